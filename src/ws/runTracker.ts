import type { RunEvent, RunResult } from '../agent/events.js';

export interface RunOutcome {
  status: 'ok' | 'error';
  startedAt: number;
  endedAt: number;
  aborted: boolean;
  error?: string;
}

/**
 * Remembers how recent runs ended (every transport's runs, seen through runtime.subscribe)
 * so `agent.wait` can answer for a run that finished before the wait arrived.
 */
export class RunTracker {
  private readonly finished = new Map<string, RunOutcome>();
  private readonly waiters = new Map<string, Set<(outcome: RunOutcome) => void>>();

  constructor(private readonly maxFinished = 2_000) {}

  observe(event: RunEvent): void {
    if (event.type !== 'lifecycle.end' && event.type !== 'lifecycle.error') return;
    this.settle(event.runId, outcomeOf(event.result));
  }

  /** Also fed directly by the `agent` method, in case the runtime's broadcast lags its result. */
  settle(runId: string, outcome: RunOutcome): void {
    this.finished.delete(runId);
    this.finished.set(runId, outcome);
    if (this.finished.size > this.maxFinished) {
      const oldest = this.finished.keys().next();
      if (!oldest.done) this.finished.delete(oldest.value);
    }
    const waiting = this.waiters.get(runId);
    if (!waiting) return;
    this.waiters.delete(runId);
    for (const wake of waiting) wake(outcome);
  }

  outcome(runId: string): RunOutcome | undefined {
    return this.finished.get(runId);
  }

  /** Resolves with the outcome, or undefined after `timeoutMs`. Never affects the run. */
  wait(runId: string, timeoutMs: number): Promise<RunOutcome | undefined> {
    const known = this.finished.get(runId);
    if (known) return Promise.resolve(known);
    if (timeoutMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let set = this.waiters.get(runId);
      if (!set) {
        set = new Set();
        this.waiters.set(runId, set);
      }
      const wake = (outcome: RunOutcome): void => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        const current = this.waiters.get(runId);
        current?.delete(wake);
        if (current?.size === 0) this.waiters.delete(runId);
        resolve(undefined);
      }, timeoutMs);
      set.add(wake);
    });
  }
}

export function outcomeOf(result: RunResult): RunOutcome {
  const aborted = result.stopReason === 'aborted' || result.error?.code === 'aborted';
  const failed = result.error !== undefined && !aborted;
  return {
    status: failed ? 'error' : 'ok',
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    aborted,
    ...(failed && result.error ? { error: result.error.message } : {}),
  };
}
