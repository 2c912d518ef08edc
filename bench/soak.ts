/**
 * `npm run bench -- --soak 10m`: the gateway under hours-like mixed load (streaming, keyed sessions,
 * server-side tool calls, errors, clients that hang up mid-stream, WebSocket clients), sampled every
 * 30 s for resident memory, active runs (the WS `health` method) and open handles (file descriptors
 * in /proc/<pid>/fd: sockets, files, pipes). Verdict: the RSS floor (lowest of the 5 s samples in a
 * window, under the GC sawtooth) of the last window within 10% of minute 2's, no more handles at the
 * end than at minute 2 under the same load, and no active run once the load stops.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import WebSocket from 'ws';
import { compileServers } from './compiledServers.js';
import { GATEWAY_TOKEN, gatewayConfig, startGateway, type Gateway } from './gatewayProcess.js';
import { defaultReplyProfiles } from './replyProfiles.js';
import { readRss } from './rss.js';
import { spawnServer, type ServerProcess } from './serverProcess.js';

export interface SoakSample {
  atS: number;
  rssMB: number;
  /** Lowest RSS seen in this 30 s window (sampled every 5 s): the floor under the GC sawtooth. */
  rssFloorMB: number;
  handles: number;
  activeRuns: number;
  /** Requests finished since the start, by kind. */
  done: Record<string, number>;
  unexpected: number;
}

export interface SoakReport {
  durationS: number;
  samples: SoakSample[];
  before: { rssMB: number; handles: number; activeRuns: number };
  after: { rssMB: number; handles: number; activeRuns: number };
  /** RSS floor of the last window against the window ending at minute 2. */
  rssGrowthPct: number;
  /** Handles of the last sample against minute 2, both under the same load. */
  handleGrowth: number;
  verdict: { rssWithin10Pct: boolean; noHandleGrowth: boolean; noRunsLeft: boolean };
  unexpectedExamples: string[];
}

/** `10m`, `90s`, `1h` or plain milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--soak: cannot read duration "${text}" (use e.g. 10m, 90s)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms']!;
  return Number(m[1]) * unit;
}

/**
 * Each worker's pause between requests. Long enough that the load stays under what a busy shared
 * box serves, so the request rate (and the memory in flight with it) depends little on how busy
 * the machine is: RSS at minute 2 and at the end are then taken under the same load.
 */
const PAUSE_MS = 100;

/** Past undici's 4 s keep-alive, so idle pooled connections (ours and the gateway's) have closed. */
const SETTLE_MS = 6000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function handlesOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function soakConfig(fakeOrigin: string): object {
  const base = gatewayConfig(fakeOrigin) as any;
  base.models.providers.fake.models.push({ id: 'tool' });
  // Nothing listens on port 9 on loopback: connection refused, retried, then a 502.
  base.models.providers.dead = {
    baseUrl: 'http://127.0.0.1:9/v1',
    apiKey: 'x',
    api: 'openai-completions',
    models: [{ id: 'x' }],
  };
  base.agents.list.push({ id: 'tool', model: 'fake/tool' }, { id: 'dead', model: 'dead/x' });
  return base;
}

/** A WS client through the handshake, with a request helper; rejects if refused. */
async function wsClient(
  origin: string,
): Promise<{ ws: WebSocket; call(method: string, params?: unknown): Promise<any> }> {
  const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/`);
  let seq = 0;
  const waiting = new Map<string, (frame: any) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'res') waiting.get(frame.id)?.(frame);
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const call = (method: string, params?: unknown): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = `s${++seq}`;
      // A closed socket answers nothing: the timer reports it.
      const timer = setTimeout(() => reject(new Error(`ws ${method}: no answer`)), 15_000);
      waiting.set(id, (frame) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(frame);
      });
      ws.send(JSON.stringify({ type: 'req', id, method, params }));
    });
  const hello = await call('connect', {
    minProtocol: 3,
    maxProtocol: 4,
    client: { id: 'test', version: '1.0.0', platform: 'linux', mode: 'test' },
    role: 'operator',
    scopes: ['operator.read', 'operator.write'],
    auth: { token: GATEWAY_TOKEN },
  });
  if (!hello.ok) throw new Error(`ws connect refused: ${JSON.stringify(hello.error)}`);
  return { ws, call };
}

export async function runSoak(
  options: { durationMs: number; sampleEveryMs?: number; outDir: string; benchDir: string; repoRoot: string },
  progress: (line: string) => void,
): Promise<SoakReport> {
  const sampleEveryMs = options.sampleEveryMs ?? 30_000;
  const buildDir = compileServers(options.benchDir, options.outDir);
  const running: Array<ServerProcess | Gateway> = [];
  const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 4_000 });
  try {
    const fake = await spawnServer({
      name: 'fake provider',
      args: [
        path.join(buildDir, 'fakeProvider.js'),
        '--port',
        '0',
        '--profiles',
        JSON.stringify(defaultReplyProfiles(20)),
      ],
      cwd: options.repoRoot,
    });
    running.push(fake);
    const gateway = await startGateway({ fakeOrigin: fake.origin, config: soakConfig(fake.origin) });
    running.push(gateway);
    const monitor = await wsClient(gateway.origin);
    const activeRuns = async (): Promise<number> => (await monitor.call('health')).payload.activeRuns;
    const url = `${gateway.origin}/v1/chat/completions`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_TOKEN}` };
    const done: Record<string, number> = {};
    const unexpected: string[] = [];
    let unexpectedCount = 0;
    const note = (kind: string, ok: boolean, detail = ''): void => {
      done[kind] = (done[kind] ?? 0) + 1;
      if (ok) return;
      unexpectedCount++;
      if (unexpected.length < 10) unexpected.push(`${kind}: ${detail}`.slice(0, 300));
    };
    const post = (body: unknown, signal?: AbortSignal, auth = headers) =>
      fetch(url, {
        method: 'POST',
        headers: auth,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        dispatcher,
        signal,
      });

    // One of each before measuring the baseline, so lazily loaded parts (WS stack, SDK) are in.
    await (await post({ model: 'openclaw', messages: [{ role: 'user', content: 'warm' }] })).text();
    await (await post({ model: 'openclaw/tool', messages: [{ role: 'user', content: 'warm' }] })).text();
    await (await post({ model: 'openclaw', user: 'soak-warm', messages: [{ role: 'user', content: 'warm' }] })).text();
    await sleep(SETTLE_MS);
    const before = {
      rssMB: readRss(gateway.pid).rssMB,
      handles: handlesOf(gateway.pid),
      activeRuns: await activeRuns(),
    };
    progress(`soak: baseline rss ${before.rssMB.toFixed(1)} MB, ${before.handles} handles, ${before.activeRuns} runs`);

    const started = performance.now();
    const deadline = started + options.durationMs;
    const live = () => performance.now() < deadline;
    const workers: Array<(i: number) => Promise<void>> = [];
    const loop = (count: number, pauseMs: number, body: (i: number, n: number) => Promise<void>) => {
      for (let w = 0; w < count; w++) {
        workers.push(async () => {
          for (let n = 0; live(); n++) {
            try {
              await body(w, n);
            } catch (err) {
              note('thrown', false, String(err));
            }
            await sleep(pauseMs);
          }
        });
      }
    };
    // Streaming, read to [DONE].
    loop(4, PAUSE_MS, async () => {
      const res = await post({ model: 'openclaw/slow', stream: true, messages: [{ role: 'user', content: 'stream' }] });
      const text = await res.text();
      note('stream', res.status === 200 && text.endsWith('data: [DONE]\n\n'), `${res.status} ${text.slice(-100)}`);
    });
    // Keyed sessions, the newest message only, 50 keys in rotation: transcripts grow as in real use.
    loop(3, PAUSE_MS, async (w, n) => {
      const res = await post({
        model: 'openclaw',
        user: `soak-${(w * 7919 + n) % 50}`,
        messages: [{ role: 'user', content: `turn ${n}` }],
      });
      const text = await res.text();
      note('keyed', res.status === 200, `${res.status} ${text.slice(0, 200)}`);
    });
    // Server-side tool loop: the model calls current_time, the gateway runs it and asks again.
    loop(2, PAUSE_MS, async () => {
      const res = await post({ model: 'openclaw/tool', messages: [{ role: 'user', content: 'what time is it' }] });
      const text = await res.text();
      note('tool', res.status === 200, `${res.status} ${text.slice(0, 200)}`);
    });
    // Errors: malformed, unknown model, wrong token, a provider that refuses connections.
    loop(1, PAUSE_MS, async (_w, n) => {
      const cases: Array<[string, () => ReturnType<typeof post>, number]> = [
        ['err-400', () => post('{"messages": ['), 400],
        ['err-404', () => post({ model: 'openclaw/nobody', messages: [{ role: 'user', content: 'x' }] }), 404],
        [
          'err-401',
          () =>
            post({ messages: [{ role: 'user', content: 'x' }] }, undefined, {
              ...headers,
              authorization: 'Bearer wrong',
            }),
          401,
        ],
        ['err-502', () => post({ model: 'openclaw/dead', messages: [{ role: 'user', content: 'x' }] }), 502],
      ];
      const [kind, send, status] = cases[n % cases.length]!;
      const res = await send();
      const text = await res.text();
      note(kind, res.status === status && JSON.parse(text).error !== undefined, `${res.status} ${text.slice(0, 200)}`);
    });
    // Clients that hang up mid-stream.
    loop(2, PAUSE_MS, async () => {
      const controller = new AbortController();
      const res = await post(
        { model: 'openclaw/slow', stream: true, messages: [{ role: 'user', content: 'bye' }] },
        controller.signal,
      );
      setTimeout(() => controller.abort(), Math.random() * 300);
      try {
        await res.text();
        note('hangup', true);
      } catch {
        note('hangup', true);
      }
    });
    // WS clients: connect, ask, leave.
    loop(2, 2 * PAUSE_MS, async () => {
      const client = await wsClient(gateway.origin);
      const health = await client.call('health');
      const sessions = await client.call('sessions.list', {});
      note('ws', health.ok === true && sessions.ok === true, JSON.stringify(health.error ?? sessions.error));
      client.ws.close();
    });

    const samples: SoakSample[] = [];
    let floor = Number.POSITIVE_INFINITY;
    const floorTimer = setInterval(() => {
      floor = Math.min(floor, readRss(gateway.pid).rssMB);
    }, 5000);
    const sampler = (async () => {
      for (let at = sampleEveryMs; performance.now() < deadline; at += sampleEveryMs) {
        await sleep(Math.max(0, started + at - performance.now()));
        if (performance.now() > deadline + 1000) break;
        const sample: SoakSample = {
          atS: Math.round((performance.now() - started) / 1000),
          rssMB: readRss(gateway.pid).rssMB,
          rssFloorMB: 0,
          handles: handlesOf(gateway.pid),
          activeRuns: await activeRuns(),
          done: { ...done },
          unexpected: unexpectedCount,
        };
        sample.rssFloorMB = Math.min(floor, sample.rssMB);
        floor = Number.POSITIVE_INFINITY;
        samples.push(sample);
        const total = Object.values(done).reduce((a, b) => a + b, 0);
        progress(
          `soak ${String(sample.atS).padStart(4)}s: rss ${sample.rssMB.toFixed(1)} MB, ${sample.handles} handles, ${sample.activeRuns} active runs, ${total} requests, ${unexpectedCount} unexpected`,
        );
      }
    })();
    await Promise.all(workers.map((w, i) => w(i)));
    await sampler;
    clearInterval(floorTimer);

    // Load stopped: client connections closed, give the gateway a moment, then look again.
    await dispatcher.close();
    await sleep(SETTLE_MS);
    const after = {
      rssMB: readRss(gateway.pid).rssMB,
      handles: handlesOf(gateway.pid),
      activeRuns: await activeRuns(),
    };
    monitor.ws.close();
    const minute2 = samples.find((s) => s.atS >= 120) ?? samples[Math.min(samples.length - 1, 3)]!;
    const last = samples[samples.length - 1]!;
    const rssGrowthPct = ((last.rssFloorMB - minute2.rssFloorMB) / minute2.rssFloorMB) * 100;
    const handleGrowth = last.handles - minute2.handles;
    const report: SoakReport = {
      durationS: Math.round(options.durationMs / 1000),
      samples,
      before,
      after,
      rssGrowthPct,
      handleGrowth,
      verdict: {
        rssWithin10Pct: rssGrowthPct <= 10,
        noHandleGrowth: handleGrowth <= Math.max(2, minute2.handles * 0.05),
        noRunsLeft: after.activeRuns === 0,
      },
      unexpectedExamples: unexpected,
    };
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(path.join(options.outDir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await dispatcher.destroy().catch(() => {});
    for (const p of running.reverse()) await ('dispose' in p ? p.dispose() : p.stop());
  }
}

export function renderSoak(report: SoakReport): string {
  const lines = [
    `Soak ${report.durationS} s (noisy shared machine: figures are indicative)`,
    '   t(s)  rss(MB)  floor(MB)  handles  activeRuns  requests  unexpected',
    ...report.samples.map(
      (s) =>
        `${String(s.atS).padStart(7)}  ${s.rssMB.toFixed(1).padStart(7)}  ${s.rssFloorMB.toFixed(1).padStart(9)}  ${String(s.handles).padStart(7)}  ${String(s.activeRuns).padStart(10)}  ${String(Object.values(s.done).reduce((a, b) => a + b, 0)).padStart(8)}  ${String(s.unexpected).padStart(10)}`,
    ),
    `before load: rss ${report.before.rssMB.toFixed(1)} MB, ${report.before.handles} handles, ${report.before.activeRuns} active runs`,
    `after load:  rss ${report.after.rssMB.toFixed(1)} MB, ${report.after.handles} handles, ${report.after.activeRuns} active runs`,
    `requests by kind: ${JSON.stringify(report.samples.at(-1)?.done ?? {})}`,
    `RSS floor, last window vs minute 2: ${report.rssGrowthPct >= 0 ? '+' : ''}${report.rssGrowthPct.toFixed(1)}%; handles, last sample vs minute 2: ${report.handleGrowth >= 0 ? '+' : ''}${report.handleGrowth}`,
    '(after load, idle keep-alive connections to the provider stay pooled for the keep-alive the provider advertises)',
    `verdict: rss within 10% ${report.verdict.rssWithin10Pct ? 'yes' : 'NO'}; no handle growth ${report.verdict.noHandleGrowth ? 'yes' : 'NO'}; no runs left ${report.verdict.noRunsLeft ? 'yes' : 'NO'}`,
    ...(report.unexpectedExamples.length
      ? ['unexpected outcomes (first 10):', ...report.unexpectedExamples.map((e) => `  ${e}`)]
      : []),
  ];
  return lines.join('\n');
}
