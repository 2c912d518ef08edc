import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { configSchema, type GatewayConfig } from '../../src/config/schema.js';
import type { LogLevel, Logger } from '../../src/log.js';
import type { RequestDeadlines } from '../../src/node/clientErrors.js';
import { startGateway, type RunningGateway } from '../../src/node/server.js';
import { ROOT } from './paths.js';

export const ENTRY = join(ROOT, 'openclaw.mjs');
export const TEST_TOKEN = 'test-token-123';

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

export interface TestGateway extends RunningGateway {
  stateDir: string;
  token: string;
  logs: Array<{ level: LogLevel; msg: string; fields?: Record<string, unknown> }>;
  /** fetch against the gateway with the bearer token unless headers say otherwise. */
  request(path: string, init?: RequestInit & { auth?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

/** A real gateway in this process on 127.0.0.1, port 0, with its own temp state dir. */
export async function startTestGateway(
  raw: Record<string, unknown> = {},
  options: {
    env?: NodeJS.ProcessEnv;
    stateDir?: string;
    verbose?: boolean;
    port?: number;
    deadlines?: RequestDeadlines;
  } = {},
): Promise<TestGateway> {
  const withDefaults = {
    ...raw,
    gateway: {
      ...(raw.gateway as object),
      auth: { token: TEST_TOKEN, ...((raw.gateway as { auth?: object } | undefined)?.auth ?? {}) },
    },
  };
  const config: GatewayConfig = configSchema.parse(withDefaults);
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'openclaw-test-')));
  const logs: TestGateway['logs'] = [];
  const log: Logger = {
    verbose: options.verbose ?? false,
    log: (level, msg, fields) => logs.push({ level, msg, fields }),
  };
  const running = await startGateway({
    config,
    stateDir,
    env: options.env ?? {},
    log,
    port: options.port ?? 0,
    deadlines: options.deadlines,
  });
  const token = running.ctx.auth.mode === 'none' ? '' : running.ctx.auth.secret;
  return {
    ...running,
    stateDir,
    token,
    logs,
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      const auth = init.auth === undefined ? token : init.auth;
      if (auth !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${auth}`);
      return fetch(`${running.url}${path}`, { ...init, headers });
    },
    async stop() {
      await running.close('test done');
      if (!options.stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export function chatConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const gateway = (extra.gateway ?? {}) as Record<string, unknown>;
  return {
    ...extra,
    gateway: {
      ...gateway,
      http: {
        ...(gateway.http as object),
        endpoints: {
          ...(gateway.http as any)?.endpoints,
          chatCompletions: { enabled: true, ...((gateway.http as any)?.endpoints?.chatCompletions ?? {}) },
        },
      },
    },
  };
}

/** Config with `/v1/responses` on (and chat completions only if `extra` turns it on). */
export function responsesConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const gateway = (extra.gateway ?? {}) as Record<string, unknown>;
  const endpoints = ((gateway.http as any)?.endpoints ?? {}) as Record<string, unknown>;
  return {
    ...extra,
    gateway: {
      ...gateway,
      http: { endpoints: { ...endpoints, responses: { enabled: true, ...((endpoints.responses as object) ?? {}) } } },
    },
  };
}

export interface SpawnedCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves with the first stdout match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Runs `node openclaw.mjs ...args` (the built dist/) with a clean environment. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): SpawnedCli {
  const child = spawn(process.execPath, [ENTRY, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (d) => {
    out += d;
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((res, rej) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            clearTimeout(timer);
            res(m);
          }
        };
        const timer = setTimeout(
          () => rej(new Error(`timed out waiting for ${pattern}; stdout=${out} stderr=${err}`)),
          timeoutMs,
        );
        waiters.push(check);
        child.once('exit', () =>
          setTimeout(() => rej(new Error(`exited before ${pattern}; stdout=${out} stderr=${err}`)), 10),
        );
        check();
      });
    },
  };
}

export async function writeConfig(dir: string, text: string, name = 'openclaw.json'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** Config pointing the default agent at a fake OpenAI-wire provider. */
export function withFakeProvider(
  url: string,
  extra: Record<string, unknown> = {},
  api: 'openai-completions' | 'anthropic-messages' = 'openai-completions',
) {
  return {
    ...extra,
    models: { providers: { fake: { baseUrl: url, apiKey: 'fake-key', api, models: [{ id: 'm' }] } } },
    agents: {
      ...((extra.agents as object) ?? {}),
      defaults: { model: 'fake/m', ...((extra.agents as { defaults?: object })?.defaults ?? {}) },
    },
  };
}

/** A loopback port nothing listens on (just released by the OS). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
