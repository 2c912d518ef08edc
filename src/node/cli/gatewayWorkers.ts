import cluster, { type Worker } from 'node:cluster';
import type { LoadedConfig } from '../config/load.js';

/** What a worker tells the primary once it listens. */
export interface WorkerListening {
  type: 'openclaw:listening';
  url: string;
  /** The startup banner, printed once by the primary. */
  lines: string[];
}

export function isWorkerListening(message: unknown): message is WorkerListening {
  return (message as { type?: unknown } | null)?.type === 'openclaw:listening';
}

/** A worker that dies this long after it listened is replaced; one that dies sooner stops the gateway. */
const RESPAWN_DELAY_MS = 1000;

/**
 * The primary of `gateway.workers` > 1: forks the workers (node:cluster, which hands connections
 * on the one port to them in turn), prints the banner once, replaces a worker that dies, and
 * passes SIGINT/SIGTERM on for a graceful stop. The workers coordinate through PostgreSQL only.
 * @returns the exit code.
 */
export async function runWorkers(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<number> {
  const count = loaded.config.gateway.workers;
  let stopping = false;
  let printed = false;
  const listening = new Set<Worker>();
  let startupFailure: string | undefined;

  const fork = (): Worker => {
    const worker = cluster.fork(env);
    worker.on('message', (message: unknown) => {
      if (!isWorkerListening(message)) return;
      listening.add(worker);
      if (printed) return;
      printed = true;
      process.stdout.write(`${message.lines.join('\n')}\n  workers: ${count} (node:cluster, one port)\n`);
    });
    return worker;
  };

  return new Promise<number>((resolve) => {
    const finishIfDone = (): void => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      resolve(startupFailure !== undefined ? 1 : 0);
    };
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`openclaw: ${signal} received, stopping ${count} workers\n`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      finishIfDone();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    cluster.on('exit', (worker, code, signal) => {
      const wasListening = listening.delete(worker);
      if (stopping) return finishIfDone();
      if (!wasListening) {
        // A worker that never listened hit a startup error (it printed why): stop them all.
        startupFailure = `worker ${worker.id} exited during startup (code ${code ?? signal})`;
        process.stderr.write(`openclaw: ${startupFailure}\n`);
        stop('SIGTERM');
        return;
      }
      process.stderr.write(
        `openclaw: worker ${worker.id} (pid ${worker.process.pid}) died (${signal ?? `code ${code}`}); starting another\n`,
      );
      setTimeout(() => {
        if (!stopping) fork();
      }, RESPAWN_DELAY_MS).unref();
    });
    for (let i = 0; i < count; i++) fork();
  });
}
