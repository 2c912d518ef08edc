/**
 * Starts the real gateway (`node openclaw.mjs gateway`) as its own process with a fresh state
 * directory and a config whose agents point at the fake provider: `main` (default) uses the 0 ms
 * profile, `slow` the 20 ms one, `hold` the long 20 ms one for the open-streams test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { send, type Target } from './loadGenerator.js';
import { readRss } from './rss.js';
import { spawnServer, type ServerProcess } from './serverProcess.js';

export const GATEWAY_TOKEN = 'bench-token';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Gateway extends ServerProcess {
  stateDir: string;
  /** stop() and remove the state directory. */
  dispose(): Promise<void>;
}

export interface GatewayOptions {
  fakeOrigin: string;
  /** Directory for `--cpu-prof` output; no profiling when undefined. */
  cpuProfDir?: string;
  /** The whole config; {@link gatewayConfig} of `fakeOrigin` when unset. */
  config?: object;
  /** A build to run (a directory holding `openclaw.mjs` and its `dist/`); this checkout when unset. */
  root?: string;
}

export function gatewayConfig(fakeOrigin: string): object {
  return {
    gateway: {
      auth: { mode: 'token', token: GATEWAY_TOKEN },
      http: { endpoints: { chatCompletions: { enabled: true } } },
    },
    models: {
      providers: {
        fake: {
          baseUrl: `${fakeOrigin}/v1`,
          apiKey: 'x',
          api: 'openai-completions',
          models: [{ id: 'fast' }, { id: 'slow' }, { id: 'hold' }],
        },
      },
    },
    agents: {
      defaults: { model: 'fake/fast' },
      list: [
        { id: 'main', default: true },
        { id: 'slow', model: 'fake/slow' },
        { id: 'hold', model: 'fake/hold' },
      ],
    },
  };
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'openclaw-bench-'));
  const configFile = path.join(stateDir, 'bench.json5');
  writeFileSync(configFile, JSON.stringify(options.config ?? gatewayConfig(options.fakeOrigin), null, 2));
  const nodeFlags = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [];
  const spawnedAt = performance.now();
  let server: ServerProcess;
  try {
    server = await spawnServer({
      name: 'gateway',
      args: [
        ...nodeFlags,
        path.join(path.resolve(options.root ?? repoRoot), 'openclaw.mjs'),
        'gateway',
        '--config',
        configFile,
        '--port',
        '0',
      ],
      env: { ...process.env, OPENCLAW_STATE_DIR: stateDir },
      cwd: stateDir,
      spawnedAt,
      timeoutMs: 20_000,
    });
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return Object.assign(server, {
    stateDir,
    async dispose() {
      await server.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  });
}

export function gatewayTarget(
  gateway: { origin: string; pid: number },
  name: string,
  agent: string | undefined,
  userKeyed: boolean,
): Target {
  const { origin, pid } = gateway;
  const model = agent ? `openclaw/${agent}` : 'openclaw';
  const bodies = [false, true].map((stream) =>
    JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream }),
  );
  const runTag = Date.now().toString(36);
  return {
    name,
    origin,
    pid,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_TOKEN}` },
    body: userKeyed
      ? (stream, seq) =>
          JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream, user: `u${runTag}-${seq}` })
      : (stream) => bodies[stream ? 1 : 0]!,
  };
}

export interface StartupSample {
  /** Spawn to the listening line. */
  listeningMs: number;
  /** Spawn to the first 200 chat completion with content. */
  firstCompletionMs: number;
  /** RSS right after the listening line, before any request. */
  rssAtListenMB: number;
  /** RSS after the first completion and a second of idling. */
  idleRssMB: number;
  attempts: number;
}

/**
 * Polls a freshly spawned server (the gateway, unless another `target` is given) with non-streamed
 * completions every 2 ms until one succeeds.
 */
export async function measureStartup(
  gateway: ServerProcess,
  settleMs: number,
  target: Target = gatewayTarget(gateway, 'gateway', undefined, false),
): Promise<StartupSample> {
  const rssAtListenMB = readRss(gateway.pid).rssMB;
  const pool = new Pool(gateway.origin, { connections: 1 });
  let attempts = 0;
  const deadline = performance.now() + 10_000;
  try {
    for (;;) {
      attempts++;
      const outcome = await send(pool, target, false, 0, 1);
      if (outcome.ok) {
        const firstCompletionMs = outcome.endedAt - gateway.spawnedAt;
        await new Promise((r) => setTimeout(r, settleMs));
        return {
          listeningMs: gateway.listeningAt - gateway.spawnedAt,
          firstCompletionMs,
          rssAtListenMB,
          idleRssMB: readRss(gateway.pid).rssMB,
          attempts,
        };
      }
      if (performance.now() > deadline)
        throw new Error(`${target.name} never served a completion: ${outcome.error}\n${gateway.output()}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    await pool.close();
  }
}
