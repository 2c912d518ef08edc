/**
 * A bare `node:http` pass-through proxy: what any Node gateway pays just to receive a request,
 * forward it over a keep-alive connection and pipe the answer back. The practical limit the
 * gateway's throughput is compared with.
 *
 * Run as its own process: `node --import tsx bench/bareProxy.ts --upstream http://127.0.0.1:<port> --port 0`.
 * Prints `listening on http://127.0.0.1:<port>`.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    upstream: { type: 'string' },
  },
});
if (!values.upstream) throw new Error('--upstream is required');
const upstream = new URL(values.upstream);

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 2048, noDelay: true });
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!hopByHop.has(name)) out[name] = value;
  return out;
}

const server = http.createServer((req, res) => {
  const headers = endToEnd(req.headers);
  headers.host = upstream.host;
  const forward = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      answer.pipe(res);
    },
  );
  forward.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end();
  });
  res.on('close', () => {
    if (!res.writableFinished) forward.destroy();
  });
  req.pipe(forward);
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen({ host: '127.0.0.1', port: Number(values.port), backlog: 4096 }, () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
