/**
 * Past saturation: what a NEW connection meets while the target is already busy.
 *
 * For the bare proxy and the gateway in one run: a closed-loop load of `--concurrency` keep-alive
 * workers (well above what the gateway sustains), and during its window a steady stream of fresh
 * TCP connections (`--arrivals` per second, each one request with `connection: close`), half chat
 * completions and half `GET /healthz` probes. For each kind it reports connect time (the kernel's
 * handshake: SYN queue), time to response headers (the accept and the loop's queue), time to
 * complete, p50/p99/max, how many were refused (429/503) and how fast, and whether every accepted
 * request completed.
 *
 * The load's connections are opened and used once before it starts, unless `--cold`: then they are
 * opened all at once as the load starts, as a client pool does, and queue for accept() with the fresh ones.
 *
 * `npm run build && node --import tsx bench/saturation.ts [--concurrency 512] [--seconds 4]
 *   [--arrivals 40] [--stream] [--cold] [--admission '{"maxPending":256}'] [--out .bench]`
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { compileServers, spawnBareProxy, spawnFakeProvider } from './compiledServers.js';
import { GATEWAY_TOKEN, gatewayConfig, startGateway } from './gatewayProcess.js';
import { readCpuMs } from './cpuTime.js';
import { defaultReplyProfiles } from './replyProfiles.js';
import { percentiles, type Percentiles } from './stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, '..');
const { values: flags } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '512' },
    seconds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1000' },
    arrivals: { type: 'string', default: '40' },
    stream: { type: 'boolean', default: false },
    cold: { type: 'boolean', default: false },
    admission: { type: 'string' },
    out: { type: 'string', default: '.bench' },
  },
});
const concurrency = Number(flags.concurrency);
const windowMs = Number(flags.seconds) * 1000;
const warmupMs = Number(flags.warmup);
const arrivalEveryMs = 1000 / Number(flags.arrivals);
const stream = flags.stream ?? false;
const FRESH_TIMEOUT_MS = 30_000;

interface Sample {
  status: number;
  ok: boolean;
  error?: string;
  connectMs: number;
  headersMs: number;
  totalMs: number;
  retryAfter?: string;
}

const refused = (s: Sample): boolean => s.status === 503 || s.status === 429;

function chatBody(model: string): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream });
}

/** A completed reply: JSON with content, or an event stream that reached [DONE]. */
function completeReply(body: string): boolean {
  if (stream) return body.includes('data: [DONE]');
  try {
    const content = JSON.parse(body)?.choices?.[0]?.message?.content;
    return typeof content === 'string' && content.length > 0;
  } catch {
    return false;
  }
}

function dechunk(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** One request over a brand-new TCP connection, timed from before connect(). */
function fresh(origin: URL, method: 'GET' | 'POST', urlPath: string, body: string | undefined): Promise<Sample> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let connectMs = -1;
    let headersMs = -1;
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = net.connect({ host: origin.hostname, port: Number(origin.port) });
    const done = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const totalMs = performance.now() - t0;
      const raw = Buffer.concat(chunks);
      const head = raw.indexOf('\r\n\r\n');
      const headText = head < 0 ? '' : raw.subarray(0, head).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1] ?? 0);
      const headers = new Map(
        headText
          .split('\r\n')
          .slice(1)
          .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const rest = head < 0 ? Buffer.alloc(0) : raw.subarray(head + 4);
      const text = headers.get('transfer-encoding') === 'chunked' ? dechunk(rest) : rest.toString('utf8');
      if (!error && status === 0) error = 'no status line';
      if (!error && status === 200 && method === 'POST' && !completeReply(text)) error = 'incomplete reply';
      const ok = !error && (status === 200 || (method === 'GET' && status < 500));
      const sample: Sample = { status, ok, connectMs, headersMs, totalMs };
      if (error) sample.error = error;
      const retryAfter = headers.get('retry-after');
      if (retryAfter !== undefined) sample.retryAfter = retryAfter;
      resolve(sample);
    };
    const timer = setTimeout(() => done('timed out'), FRESH_TIMEOUT_MS);
    socket.setNoDelay(true);
    socket.once('connect', () => {
      connectMs = performance.now() - t0;
      const head = [
        `${method} ${urlPath} HTTP/1.1`,
        `host: ${origin.host}`,
        `authorization: Bearer ${GATEWAY_TOKEN}`,
        'connection: close',
        ...(body ? ['content-type: application/json', `content-length: ${Buffer.byteLength(body)}`] : []),
      ];
      socket.write(`${head.join('\r\n')}\r\n\r\n${body ?? ''}`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (headersMs < 0 && (chunks.length > 0 ? Buffer.concat([...chunks, chunk]) : chunk).includes('\r\n\r\n'))
        headersMs = performance.now() - t0;
      chunks.push(chunk);
    });
    socket.once('end', () => done());
    socket.once('error', (err) => done(err.message));
  });
}

interface LoadResult {
  samples: Sample[];
  finishedInWindow: number;
  /** Every answer the loop got, warm-up included, to share the target's CPU time over. */
  answered: number;
}

/** Closed loop over keep-alive: each worker sends on its own connection, reads the whole answer, and sends again. */
async function closedLoop(
  clients: Client[],
  body: string,
  windowStart: number,
  windowEnd: number,
): Promise<LoadResult> {
  const samples: Sample[] = [];
  let finishedInWindow = 0;
  let answered = 0;
  const worker = async (client: Client): Promise<void> => {
    while (performance.now() < windowEnd) {
      const t0 = performance.now();
      const sample: Sample = { status: 0, ok: false, connectMs: NaN, headersMs: -1, totalMs: -1 };
      try {
        const res = await client.request({
          path: '/v1/chat/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_TOKEN}` },
          body,
        });
        sample.headersMs = performance.now() - t0;
        sample.status = res.statusCode;
        const retryAfter = res.headers['retry-after'];
        if (typeof retryAfter === 'string') sample.retryAfter = retryAfter;
        const text = await res.body.text();
        sample.ok = res.statusCode === 200 && completeReply(text);
        if (!sample.ok && !refused(sample)) sample.error = `HTTP ${res.statusCode}: ${text.slice(0, 160)}`;
      } catch (error) {
        sample.error = error instanceof Error ? error.message : String(error);
      }
      const end = performance.now();
      sample.totalMs = end - t0;
      if (sample.status !== 0) answered++;
      if (t0 >= windowStart) samples.push(sample);
      if (sample.ok && end >= windowStart && end <= windowEnd) finishedInWindow++;
      // A refused worker waits as the SDKs do: retry-after, capped so the window still counts it.
      if (refused(sample)) await sleep(Math.min(1000, Number(sample.retryAfter ?? 1) * 1000));
      else if (!sample.ok) await sleep(5);
    }
  };
  await Promise.all(clients.map(worker));
  return { samples, finishedInWindow, answered };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface TargetReport {
  target: string;
  loadRps: number;
  cpuMsPerRequest: number;
  load: Sample[];
  chat: Sample[];
  probe: Sample[];
}

async function measure(name: string, server: { origin: string; pid: number }, model: string): Promise<TargetReport> {
  const origin = new URL(server.origin);
  const body = chatBody(model);
  const clients = Array.from(
    { length: concurrency },
    () =>
      new Client(server.origin, {
        pipelining: 1,
        keepAliveTimeout: 60_000,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      }),
  );
  // Every load connection is opened and answered once, a few at a time, before the load starts: the
  // accept queue then holds only the fresh connections (`--cold` opens them all at once under load).
  if (!flags.cold)
    for (let i = 0; i < clients.length; i += 8)
      await Promise.all(
        clients.slice(i, i + 8).map((c) => c.request({ path: '/healthz', method: 'GET' }).then((r) => r.body.dump())),
      );
  const cpuBefore = readCpuMs(server.pid);
  const start = performance.now();
  const windowStart = start + warmupMs;
  const windowEnd = windowStart + windowMs;
  const loading = closedLoop(clients, body, windowStart, windowEnd);
  await sleep(warmupMs);
  const chat: Promise<Sample>[] = [];
  const probe: Promise<Sample>[] = [];
  for (let i = 0; performance.now() < windowEnd; i++) {
    if (i % 2 === 0) chat.push(fresh(origin, 'POST', '/v1/chat/completions', body));
    else probe.push(fresh(origin, 'GET', '/healthz', undefined));
    await sleep(arrivalEveryMs);
  }
  const load = await loading;
  const report: TargetReport = {
    target: name,
    loadRps: load.finishedInWindow / (windowMs / 1000),
    cpuMsPerRequest: NaN,
    load: load.samples,
    chat: await Promise.all(chat),
    probe: await Promise.all(probe),
  };
  const served = load.answered + report.chat.length + report.probe.length;
  report.cpuMsPerRequest = (readCpuMs(server.pid) - cpuBefore) / served;
  await Promise.all(clients.map((c) => c.close()));
  return report;
}

const fmt = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const trio = (p: Percentiles): string => `${fmt(p.p50)}/${fmt(p.p99)}/${fmt(p.max)}`;

function rows(report: TargetReport): string[] {
  const out: string[] = [];
  for (const [kind, samples] of [
    ['load (keep-alive)', report.load],
    ['fresh chat', report.chat],
    ['fresh /healthz', report.probe],
  ] as const) {
    const refusals = samples.filter(refused);
    const accepted = samples.filter((s) => !refused(s) && s.status !== 0);
    const incomplete = accepted.filter((s) => !s.ok);
    const lost = samples.filter((s) => s.status === 0);
    const okOnes = samples.filter((s) => s.ok);
    out.push(
      [
        report.target.padEnd(8),
        kind.padEnd(18),
        String(samples.length).padStart(6),
        `${fmt((100 * refusals.length) / Math.max(1, samples.length), 1)}%`.padStart(7),
        (refusals.length ? trio(percentiles(refusals.map((s) => s.totalMs))) : '-').padStart(14),
        `${incomplete.length}+${lost.length}`.padStart(7),
        trio(percentiles(okOnes.map((s) => s.connectMs).filter(Number.isFinite))).padStart(14),
        trio(percentiles(okOnes.map((s) => s.headersMs))).padStart(16),
        trio(percentiles(okOnes.map((s) => s.totalMs))).padStart(16),
      ].join('  '),
    );
    const firstError = [...incomplete, ...lost][0]?.error;
    if (firstError) out.push(`          first failure: ${firstError.slice(0, 160)}`);
  }
  return out;
}

async function main(): Promise<void> {
  const profiles = defaultReplyProfiles(20);
  const buildDir = compileServers(benchDir, path.resolve(flags.out!));
  const running: { stop(): Promise<void> }[] = [];
  try {
    const fake = await spawnFakeProvider(buildDir, profiles, repoRoot);
    running.push(fake);
    const proxy = await spawnBareProxy(buildDir, fake.origin, repoRoot);
    running.push(proxy);
    const config = gatewayConfig(fake.origin) as { gateway: Record<string, unknown> };
    if (flags.admission) config.gateway.admission = JSON.parse(flags.admission);
    const gateway = await startGateway({ fakeOrigin: fake.origin, config });
    running.push({ stop: () => gateway.dispose() });

    const reports = [await measure('proxy', proxy, 'fast'), await measure('gateway', gateway, 'openclaw')];
    console.log(
      `saturation: closed loop c=${concurrency} (${stream ? 'streaming' : 'non-streaming'}, 0 ms profile) for ${windowMs} ms ` +
        `after ${warmupMs} ms warm-up, fresh connections every ${fmt(arrivalEveryMs, 1)} ms (alternately a chat ` +
        `completion and GET /healthz); ${os.availableParallelism()} CPUs, load ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    if (flags.admission) console.log(`gateway.admission = ${flags.admission}`);
    for (const r of reports)
      console.log(
        `${r.target}: load ${fmt(r.loadRps)} req/s completed in the window, ${fmt(r.cpuMsPerRequest, 3)} CPU ms/req`,
      );
    console.log('times in ms as p50/p99/max; refused = 429/503 share, with its time to complete;');
    console.log(
      'failed = accepted but not completed + no answer at all; connect/headers/complete over completed requests',
    );
    console.log(
      [
        'target  ',
        'kind              ',
        '     n',
        'refused',
        '  refusal time',
        ' failed',
        '       connect',
        '         headers',
        '        complete',
      ].join('  '),
    );
    for (const r of reports) for (const line of rows(r)) console.log(line);
  } finally {
    await Promise.allSettled(running.map((p) => p.stop()));
  }
}

await main();
