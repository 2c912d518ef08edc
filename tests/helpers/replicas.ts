import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { spawnCli, type SpawnedCli, writeConfig } from './gateway.js';

/** The text of a chat message as the fake provider received it. */
export const textOf = (m: any): string => (typeof m.content === 'string' ? m.content : '');

/**
 * The provider script replica tests share: a message with STALL hangs after two frames (a run in flight for as
 * long as a test needs); the rest answer in a few paced frames, so overlapping turns would overlap at the provider.
 */
export const stallOrEcho = (body: { messages: unknown[] }) => {
  const last = textOf(body.messages.at(-1));
  return last.includes('STALL')
    ? { text: 'working on it', stallAfterChunks: 2 }
    : { text: `echo: ${last}`, delayMs: 10 };
};

export const REPLICA_TOKEN = 'replica-token';
/** Trust auth ignores it: there to prove it never reaches a log. */
export const PG_PASSWORD = 'hunter2-never-logged';

export function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PG_PASSWORD;
  return u.toString();
}

export interface Replica {
  cli: SpawnedCli;
  url: string;
  openai: OpenAI;
}

/** Writes one config file for every replica and returns its path and a temp dir to remove. */
export async function replicaConfig(config: Record<string, unknown>): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'openclaw-replicas-'));
  return { dir, file: await writeConfig(dir, JSON.stringify(config)) };
}

/** `openclaw gateway` as its own process, waiting for its banner. */
export async function spawnReplica(file: string, dir: string, port = 0, env: NodeJS.ProcessEnv = {}): Promise<Replica> {
  const cli = spawnCli(['gateway', '--port', String(port), '--config', file], {
    OPENCLAW_STATE_DIR: dir,
    HOME: dir,
    ...env,
  });
  const [, url] = await cli.waitFor(/listening on (http:\/\/[\d.:]+)/, 20_000);
  return { cli, url: url!, openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: REPLICA_TOKEN, maxRetries: 0 }) };
}

export async function stopReplica(r: Replica | undefined): Promise<void> {
  if (r === undefined || r.cli.child.exitCode !== null || r.cli.child.signalCode !== null) return;
  r.cli.child.kill('SIGTERM');
  const exited = await Promise.race([r.cli.exited.then(() => true), sleep(5000).then(() => false)]);
  if (!exited) r.cli.child.kill('SIGKILL');
}

export function removeDir(dir: string | undefined): Promise<void> {
  return dir === undefined ? Promise.resolve() : rm(dir, { recursive: true, force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns something other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A keyed chat completion, non-streaming, through fetch (status and headers visible). */
export function keyedTurn(url: string, key: string | undefined, content: string, token = REPLICA_TOKEN) {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(key !== undefined ? { 'x-openclaw-session-key': key } : {}),
    },
    body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content }] }),
  });
}
