/**
 * Spawns a server as its own process and waits for the line `listening on http://127.0.0.1:<port>`
 * that the fake, the bare proxy and the gateway all print once they accept connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly origin: string;
  /** performance.now() at spawn and when the listening line arrived. */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  /** The last lines the process wrote, for error reports. */
  output(): string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** performance.now() to count start-up from, when the caller took it just before spawning. */
  spawnedAt?: number;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
const KEPT_LINES = 40;

export function spawnServer(options: SpawnOptions): Promise<ServerProcess> {
  const spawnedAt = options.spawnedAt ?? performance.now();
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (text: string): void => {
    for (const line of text.split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
  };
  const output = (): string => lines.join('\n');
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  return new Promise((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${options.name} did not print its listening line in ${options.timeoutMs ?? 15_000} ms:\n${output()}`,
        ),
      );
    }, options.timeoutMs ?? 15_000);
    const onStdout = (data: Buffer): void => {
      const text = data.toString('utf8');
      keep(text);
      pending += text;
      const match = LISTENING.exec(pending);
      if (!match) {
        if (pending.length > 4096) pending = pending.slice(-256);
        return;
      }
      const listeningAt = performance.now();
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
      // Keep draining, so a chatty process never blocks on a full pipe.
      child.stdout?.on('data', (more: Buffer) => keep(more.toString('utf8')));
      resolve({
        child,
        pid: child.pid!,
        origin: match[1]!,
        spawnedAt,
        listeningAt,
        output,
        async stop() {
          if (exited) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exitedPromise;
          clearTimeout(killer);
        },
      });
    };
    child.stdout?.on('data', onStdout);
    child.stderr?.on('data', (data: Buffer) => keep(data.toString('utf8')));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${signal ?? code}) before listening:\n${output()}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
