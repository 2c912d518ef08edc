/**
 * A fake OpenAI chat-completions provider built to never be the bottleneck: every reply is a set of
 * buffers computed once at start, the request body is read only for `model`, `stream` and
 * `stream_options.include_usage`, and a 0 ms profile goes out in a single write.
 *
 * Run as its own process: `node --import tsx bench/fakeProvider.ts --port 0 [--profiles <json>]`.
 * Prints `listening on http://127.0.0.1:<port>`. `GET /stats` reports open and peak-open streams
 * (`?reset=1` zeroes the peak), so the bench can check that held streams really reached the model.
 * `GET /stats?barrier=N` makes `hold` streams wait after their role frame until N are open (or
 * 30 s pass), so the open-streams test holds all of them at once however slowly they arrive.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { defaultReplyProfiles, type ReplyProfile, type ReplyProfiles } from './replyProfiles.js';

interface Reply {
  json: Buffer;
  /** Role frame, then one frame per token. */
  head: Buffer;
  tokens: Buffer[];
  /** Finish frame and [DONE], with and without the usage frame. */
  tail: Buffer;
  tailWithUsage: Buffer;
  /** The whole stream in one buffer, for 0 ms profiles. */
  whole: Buffer;
  wholeWithUsage: Buffer;
}

function buildReply(model: string, profile: ReplyProfile): Reply {
  const id = `chatcmpl-bench${model}`;
  const created = Math.floor(Date.now() / 1000);
  const words = Array.from({ length: profile.tokens }, (_, i) => (i === 0 ? 'w0' : ` w${i}`));
  const usage = { prompt_tokens: 8, completion_tokens: words.length, total_tokens: 8 + words.length };
  const frame = (delta: unknown, finish: string | null = null): string =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`;
  const head = Buffer.from(frame({ role: 'assistant', content: '' }));
  const tokens = words.map((w) => Buffer.from(frame({ content: w })));
  const finish = frame({}, 'stop');
  const usageFrame = `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`;
  const done = 'data: [DONE]\n\n';
  const tail = Buffer.from(finish + done);
  const tailWithUsage = Buffer.from(finish + usageFrame + done);
  const json = Buffer.from(
    JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: words.join(''), refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage,
    }),
  );
  return {
    json,
    head,
    tokens,
    tail,
    tailWithUsage,
    whole: Buffer.concat([head, ...tokens, tail]),
    wholeWithUsage: Buffer.concat([head, ...tokens, tailWithUsage]),
  };
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    profiles: { type: 'string' },
  },
});

const profiles: ReplyProfiles = values.profiles ? JSON.parse(values.profiles) : defaultReplyProfiles();
interface Entry {
  name: string;
  profile: ReplyProfile;
  reply: Reply;
}
const replies = new Map<string, Entry>();
for (const [name, profile] of Object.entries(profiles))
  replies.set(name, { name, profile, reply: buildReply(name, profile) });
const fallback = replies.get('fast') ?? replies.values().next().value!;

const streamHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
let open = 0;
let peakOpen = 0;
let served = 0;
let barrier = 0;
let barrierTimer: NodeJS.Timeout | undefined;
let waiting: (() => void)[] = [];
const BARRIER_TIMEOUT_MS = 30_000;

function releaseBarrier(): void {
  clearTimeout(barrierTimer);
  barrierTimer = undefined;
  barrier = 0;
  const go = waiting;
  waiting = [];
  for (const start of go) start();
}

/** Runs `start` now, or once the barrier is reached. */
function afterBarrier(start: () => void): void {
  if (barrier === 0) {
    start();
    return;
  }
  waiting.push(start);
  barrierTimer ??= setTimeout(releaseBarrier, BARRIER_TIMEOUT_MS);
  if (waiting.length >= barrier) releaseBarrier();
}

function pick(model: unknown): Entry {
  if (typeof model !== 'string') return fallback;
  const slash = model.lastIndexOf('/');
  return replies.get(slash === -1 ? model : model.slice(slash + 1)) ?? fallback;
}

function stream(
  res: http.ServerResponse,
  profile: ReplyProfile,
  reply: Reply,
  withUsage: boolean,
  held: boolean,
): void {
  res.writeHead(200, streamHeaders);
  if (profile.delayMs === 0) {
    res.end(withUsage ? reply.wholeWithUsage : reply.whole);
    return;
  }
  open++;
  if (open > peakOpen) peakOpen = open;
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    open--;
    clearTimeout(timer);
  };
  res.on('close', finish);
  const tick = (): void => {
    if (finished) return;
    res.write(reply.tokens[next++]);
    if (next < reply.tokens.length) {
      timer = setTimeout(tick, profile.delayMs);
      return;
    }
    res.end(withUsage ? reply.tailWithUsage : reply.tail);
    finish();
  };
  res.write(reply.head);
  const start = (): void => {
    if (!finished) timer = setTimeout(tick, profile.delayMs);
  };
  if (held) afterBarrier(start);
  else start();
}

/**
 * The soak's tool turn: a request offering the gateway's `current_time` tool, whose last message is
 * not yet a tool result, gets one streamed call to it; the gateway runs the tool and asks again.
 */
function wantsToolCall(body: { model?: unknown; tools?: unknown; messages?: unknown }): boolean {
  if (typeof body.model !== 'string' || !body.model.endsWith('tool') || !Array.isArray(body.tools)) return false;
  const offered = body.tools.some((t: { function?: { name?: unknown } }) => t?.function?.name === 'current_time');
  const last = Array.isArray(body.messages) ? body.messages[body.messages.length - 1] : undefined;
  return offered && (last as { role?: unknown } | undefined)?.role !== 'tool';
}

const toolCallStream = Buffer.from(
  `${[
    { delta: { role: 'assistant', content: null } },
    {
      delta: {
        tool_calls: [
          { index: 0, id: 'call_soak', type: 'function', function: { name: 'current_time', arguments: '' } },
        ],
      },
    },
    { delta: { tool_calls: [{ index: 0, function: { arguments: '{}' } }] } },
    { delta: {}, finish_reason: 'tool_calls' },
  ]
    .map(
      ({ delta, finish_reason }: { delta: unknown; finish_reason?: string }) =>
        `data: ${JSON.stringify({
          id: 'chatcmpl-tool',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'tool',
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish_reason ?? null }],
        })}\n\n`,
    )
    .join('')}data: [DONE]\n\n`,
);

function answer(res: http.ServerResponse, raw: string): void {
  let body: {
    model?: unknown;
    stream?: unknown;
    stream_options?: { include_usage?: unknown };
    tools?: unknown;
    messages?: unknown;
  };
  try {
    body = JSON.parse(raw);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"bad json","type":"invalid_request_error","param":null,"code":null}}');
    return;
  }
  served++;
  if (wantsToolCall(body)) {
    res.writeHead(200, streamHeaders);
    res.end(toolCallStream);
    return;
  }
  const { name, profile, reply } = pick(body.model);
  if (body.stream === true) {
    stream(res, profile, reply, body.stream_options?.include_usage === true, name === 'hold');
    return;
  }
  const send = (): void => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.json.length });
    res.end(reply.json);
  };
  // A non-streamed reply takes as long as the stream would have.
  if (profile.delayMs === 0) send();
  else setTimeout(send, profile.delayMs * profile.tokens);
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '';
  if (req.method === 'POST' && url.endsWith('/chat/completions')) {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (part: string) => (raw += part));
    req.on('end', () => answer(res, raw));
    return;
  }
  if (req.method === 'GET' && url.startsWith('/stats')) {
    const stats = JSON.stringify({ open, peakOpen, served });
    if (url.includes('reset=1')) peakOpen = open;
    const wanted = /barrier=(\d+)/.exec(url);
    if (wanted) {
      if (Number(wanted[1]) === 0) releaseBarrier();
      else barrier = Number(wanted[1]);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(stats);
    return;
  }
  if (req.method === 'GET' && url.endsWith('/models')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data: [...replies.keys()].map((id) => ({ id, object: 'model', created: 0, owned_by: 'bench' })),
      }),
    );
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}');
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen({ host: '127.0.0.1', port: Number(values.port), backlog: 4096 }, () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
