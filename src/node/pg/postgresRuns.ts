import type pg from 'pg';
import type { RunEvent, RunResult } from '../../agent/events.js';
import type { AgentRuntime } from '../../agent/runtime.js';
import type { SharedRun, SharedRuns } from '../../agent/sharedRuns.js';
import type { Logger } from '../../log.js';
import { errorText, type PostgresHealth } from './postgresHealth.js';
import { CHANNELS, type PostgresListener, REPLICA_LOCK_NAMESPACE } from './postgresListener.js';

const ABORT_CHANNEL = CHANNELS.abort;
const ENDED_CHANNEL = CHANNELS.ended;

/** An ended run's id is reusable (as an idempotency key) after this long, as in the in-process cache. */
const REUSE_AFTER_MS = 5 * 60_000;
/** How often a waiter re-checks that the replica running its run is still alive. */
const LIVENESS_POLL_MS = 2000;

interface RunRow {
  run_id: string;
  session_key: string;
  agent_id: string;
  started_at: string;
  ended_at: string | null;
  result: string | null;
  alive: boolean;
}

/** True while the replica that owns the row holds its liveness lock (see PostgresListener). */
const ALIVE = `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = ${REPLICA_LOCK_NAMESPACE} AND l.objid::bigint = r.replica AND l.objsubid = 2)`;

/**
 * The runs table and two channels: `openclaw_run_abort` carries chat.abort to every replica,
 * `openclaw_run_ended` wakes agent.wait and idempotent retries anywhere. It watches the runtime,
 * so HTTP, WS and Responses runs are all covered; stateless runs are never written.
 */
export class PostgresRuns implements SharedRuns {
  /** Keyed runs started here, with the write that records them (the end waits on it). */
  readonly #recorded = new Map<string, Promise<unknown>>();
  readonly #endWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly health: PostgresHealth,
    private readonly listener: PostgresListener,
    private readonly runtime: AgentRuntime,
    private readonly log: Logger,
  ) {
    listener.on(ABORT_CHANNEL, (payload) => this.#onAbort(payload));
    listener.on(ENDED_CHANNEL, (runId) => this.#wake(runId));
    // Ends announced while the listener was down are found by the waiters' polls.
    listener.onReconnect(() => {
      for (const runId of [...this.#endWaiters.keys()]) this.#wake(runId);
    });
    runtime.subscribe((event) => this.#observe(event));
  }

  get #replica(): number {
    return this.listener.replica;
  }

  async claim(run: { runId: string; sessionKey: string; agentId: string }): Promise<SharedRun | undefined> {
    const now = Date.now();
    const write = this.#query<RunRow>(
      `INSERT INTO runs AS r (run_id, session_key, agent_id, replica, started_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (run_id) DO UPDATE SET session_key = $2, agent_id = $3, replica = $4, started_at = $5,
         ended_at = NULL, result = NULL
       WHERE r.ended_at IS NOT NULL AND r.ended_at < $6
       RETURNING run_id`,
      [run.runId, run.sessionKey, run.agentId, this.#replica, now, now - REUSE_AFTER_MS],
    );
    this.#recorded.set(run.runId, write);
    const { rows } = await write;
    if (rows.length > 0) return undefined;
    this.#recorded.delete(run.runId);
    const existing = await this.#find(run.runId);
    // Gone between the insert and the read (a reuse by another replica): treat the id as taken.
    return existing ?? { ...run, startedAt: now };
  }

  unclaim(runId: string): void {
    this.#recorded.delete(runId);
    void this.#query('DELETE FROM runs WHERE run_id = $1 AND replica = $2 AND ended_at IS NULL', [
      runId,
      this.#replica,
    ]).catch(() => undefined);
  }

  async abortElsewhere(sessionKey: string, runId: string | undefined, reason: string): Promise<string[]> {
    const { rows } = await this.#query<{ run_id: string }>(
      `SELECT run_id FROM runs r WHERE session_key = $1 AND ended_at IS NULL AND replica <> $2
         AND ($3::text IS NULL OR run_id = $3) AND ${ALIVE}`,
      [sessionKey, this.#replica, runId ?? null],
    );
    // Sent whatever the table says: a run admitted a moment ago may not be written yet.
    await this.#query('SELECT pg_notify($1, $2)', [
      ABORT_CHANNEL,
      JSON.stringify({ sessionKey, runId: runId ?? null, reason, from: this.#replica }),
    ]);
    return rows.map((r) => r.run_id);
  }

  async waitForEnd(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<SharedRun | undefined> {
    const deadline = Date.now() + timeoutMs;
    let wake: (() => void) | undefined;
    let waiters = this.#endWaiters.get(runId);
    if (waiters === undefined) {
      waiters = new Set();
      this.#endWaiters.set(runId, waiters);
    }
    const set = waiters;
    try {
      for (;;) {
        // Listen before reading, so an end between the read and the wait is not missed.
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
          set.add(resolve);
        });
        const run = await this.#find(runId);
        if (run?.result !== undefined) return run;
        const left = deadline - Date.now();
        if (left <= 0 || signal?.aborted) return undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let onAbort: (() => void) | undefined;
        await Promise.race([
          woken,
          new Promise<void>((resolve) => {
            onAbort = () => resolve();
            signal?.addEventListener('abort', onAbort, { once: true });
          }),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, Math.min(left, LIVENESS_POLL_MS));
          }),
        ]);
        clearTimeout(timer);
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
        set.delete(wake!);
      }
    } finally {
      if (wake !== undefined) set.delete(wake);
      if (set.size === 0 && this.#endWaiters.get(runId) === set) this.#endWaiters.delete(runId);
    }
  }

  /** The run as stored; one whose replica has died is closed here as lost. */
  async #find(runId: string): Promise<SharedRun | undefined> {
    const { rows } = await this.#query<RunRow>(`SELECT r.*, ${ALIVE} AS alive FROM runs r WHERE run_id = $1`, [runId]);
    const row = rows[0];
    if (row === undefined) return undefined;
    if (row.ended_at === null && !row.alive && !this.#recorded.has(runId)) return this.#closeLost(row);
    return runOf(row);
  }

  async #closeLost(row: RunRow): Promise<SharedRun> {
    const now = Date.now();
    const result: RunResult = {
      runId: row.run_id,
      sessionKey: row.session_key,
      agentId: row.agent_id,
      text: '',
      toolCalls: [],
      usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
      stopReason: 'error',
      error: {
        code: 'internal',
        message: 'run lost: the gateway replica running it stopped; nothing of it was stored',
      },
      startedAt: Number(row.started_at),
      endedAt: now,
      providerMs: 0,
    };
    const { rows } = await this.#query<RunRow>(
      `UPDATE runs r SET ended_at = $2, result = $3 WHERE run_id = $1 AND ended_at IS NULL
       RETURNING r.*, true AS alive`,
      [row.run_id, now, JSON.stringify(result)],
    );
    if (rows[0] !== undefined) {
      void this.#query('SELECT pg_notify($1, $2)', [ENDED_CHANNEL, row.run_id]).catch(() => undefined);
      return runOf(rows[0]);
    }
    return (await this.#find(row.run_id)) ?? runOf({ ...row, ended_at: String(now), result: JSON.stringify(result) });
  }

  #observe(event: RunEvent): void {
    if (event.type === 'lifecycle.start') {
      if (event.stateless || this.#recorded.has(event.runId)) return;
      this.#recorded.set(
        event.runId,
        this.#query(
          `INSERT INTO runs (run_id, session_key, agent_id, replica, started_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (run_id) DO NOTHING`,
          [event.runId, event.sessionKey, event.agentId, this.#replica, event.ts],
        ).catch((err: unknown) => this.#lostWrite('record', event.runId, err)),
      );
      return;
    }
    if (event.type !== 'lifecycle.end' && event.type !== 'lifecycle.error') return;
    const recorded = this.#recorded.get(event.runId);
    if (recorded === undefined) return;
    this.#recorded.delete(event.runId);
    const result = event.result;
    void recorded
      .catch(() => undefined)
      .then(() =>
        this.#query(
          `WITH ended AS (
             UPDATE runs SET ended_at = $2, result = $3 WHERE run_id = $1 AND replica = $4 RETURNING run_id)
           SELECT pg_notify($5, run_id) FROM ended`,
          [result.runId, result.endedAt, JSON.stringify(result), this.#replica, ENDED_CHANNEL],
        ),
      )
      .then(() => this.#prune())
      .catch((err: unknown) => this.#lostWrite('end', result.runId, err));
  }

  #ends = 0;

  /** Every 100th end here drops ended runs older than the reuse window. */
  async #prune(): Promise<void> {
    if (++this.#ends % 100 !== 0) return;
    await this.#query('DELETE FROM runs WHERE ended_at IS NOT NULL AND ended_at < $1', [Date.now() - REUSE_AFTER_MS]);
  }

  #onAbort(payload: string): void {
    const message = JSON.parse(payload) as { sessionKey: string; runId: string | null; reason: string; from: number };
    if (message.from === this.#replica) return;
    for (const run of [...this.runtime.activeRuns()]) {
      if (run.sessionKey !== message.sessionKey) continue;
      if (message.runId !== null && run.runId !== message.runId) continue;
      this.runtime.abortRun(run.runId, message.reason);
    }
  }

  #wake(runId: string): void {
    const waiters = this.#endWaiters.get(runId);
    if (waiters === undefined) return;
    for (const wake of [...waiters]) wake();
  }

  #lostWrite(what: string, runId: string, err: unknown): void {
    this.log.log('warn', `could not ${what} a run in PostgreSQL`, { runId, error: errorText(err) });
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw this.health.failure(err);
    }
  }
}

function runOf(row: RunRow): SharedRun {
  return {
    runId: row.run_id,
    sessionKey: row.session_key,
    agentId: row.agent_id,
    startedAt: Number(row.started_at),
    ...(row.result !== null ? { result: JSON.parse(row.result) as RunResult } : {}),
  };
}
