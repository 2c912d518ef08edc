import type { RunResult } from './events.js';

/** A keyed run as every replica sees it. `result` is set once it has ended (or was lost with its replica). */
export interface SharedRun {
  runId: string;
  sessionKey: string;
  agentId: string;
  startedAt: number;
  result?: RunResult;
}

/**
 * Run control across replicas (PostgreSQL runs table + LISTEN/NOTIFY in `src/node/pg/`): keyed runs
 * of every transport are recorded as they start and end, whichever replica runs them.
 * Absent in the embedded setup, where the runtime's own registry is the whole story.
 */
export interface SharedRuns {
  /**
   * Takes `runId` (a WS idempotency key) for a run about to start here; resolves with the run
   * already holding it on any replica, or undefined when the id is now ours.
   */
  claim(run: { runId: string; sessionKey: string; agentId: string }): Promise<SharedRun | undefined>;
  /** Gives back a claimed id whose run could not start. */
  unclaim(runId: string): void;
  /** Asks the other replicas to abort their runs on the key (or only `runId`); resolves with the ids they run. */
  abortElsewhere(sessionKey: string, runId: string | undefined, reason: string): Promise<string[]>;
  /** Resolves with the run once it has ended on any replica; undefined after `timeoutMs` or when `signal` aborts. */
  waitForEnd(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<SharedRun | undefined>;
}
