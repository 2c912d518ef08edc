import type { RequestIdVariables } from 'hono/request-id';
import type { RunResult } from '../agent/events.js';

/** What a route tells the request log about the run it started. */
export interface RunNote {
  agentId: string;
  /** The `model` string the client asked for. */
  model: string;
  stream: boolean;
  result: Promise<RunResult>;
}

/** Per-request values set by middleware; handlers read them with `c.get(...)`. */
export type AppEnv = {
  Variables: RequestIdVariables & {
    /** `performance.now()` when the request entered the app. */
    startedAt: number;
    /** Time this request spent waiting on model calls, ms; subtracted from the gateway's own time. */
    providerMs: number;
    /** Set by the not-found handler: no route matched, so the metrics label is `unmatched`. */
    unmatched: boolean;
    run: RunNote;
  };
};
