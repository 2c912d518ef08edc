import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ChatMessage, Usage } from '../../messages.js';
import type { ListOptions, SessionRecord, SessionStore, StoredSession } from '../../sessions/store.js';
import type { PostgresHealth } from './postgresHealth.js';

interface SessionRow {
  key: string;
  agent_id: string;
  session_id: string;
  created_at: string;
  updated_at: string;
  input_tokens: string;
  output_tokens: string;
  cached_tokens: string;
  message_count: number;
}

/**
 * SessionStore on a PostgreSQL pool, the same shape as the SQLite one: one transaction per
 * turn (a single statement, one round trip), so a replica dying mid-turn leaves only complete
 * turns. Serialising turns on one key is the shared locks' job, not this store's; the row lock
 * the upsert takes only keeps counters and message numbers exact.
 */
export class PostgresSessionStore implements SessionStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly health: PostgresHealth,
    private readonly now: () => number = Date.now,
    /** What close() ends: the pool and whatever else was opened with it. */
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  async load(key: string): Promise<StoredSession | null> {
    // One statement, so the record and the transcript come from one snapshot, in one round trip.
    const { rows } = await this.#query<SessionRow & { payloads: string[] | null }>(
      `SELECT s.*, (SELECT array_agg(m.payload ORDER BY m.seq) FROM messages m WHERE m.session_id = s.session_id) AS payloads
       FROM sessions s WHERE s.key = $1`,
      [key],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return { session: toRecord(row), messages: (row.payloads ?? []).map((p) => JSON.parse(p) as ChatMessage) };
  }

  async appendTurn(key: string, agentId: string, messages: ChatMessage[], usage: Usage): Promise<SessionRecord> {
    // One statement is one transaction: the session row (created or locked and counted up) and
    // the turn's messages, numbered after the ones already there, commit together or not at all.
    const { rows } = await this.#query<SessionRow>(
      `WITH s AS (
         INSERT INTO sessions AS cur (key, agent_id, session_id, created_at, updated_at,
                                      input_tokens, output_tokens, cached_tokens, message_count)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)
         ON CONFLICT (key) DO UPDATE SET updated_at = $4,
           input_tokens = cur.input_tokens + $5, output_tokens = cur.output_tokens + $6,
           cached_tokens = cur.cached_tokens + $7, message_count = cur.message_count + $8
         RETURNING *),
       m AS (
         INSERT INTO messages (session_id, seq, role, payload)
         SELECT s.session_id, s.message_count - $8 + t.n - 1, t.role, t.payload
         FROM s, unnest($9::text[], $10::text[]) WITH ORDINALITY AS t(role, payload, n))
       SELECT * FROM s`,
      [
        key,
        agentId,
        randomUUID(),
        this.now(),
        usage.promptTokens,
        usage.completionTokens,
        usage.cachedTokens,
        messages.length,
        messages.map((m) => m.role),
        messages.map((m) => JSON.stringify(m)),
      ],
    );
    return toRecord(rows[0]!);
  }

  async list(options: ListOptions = {}): Promise<SessionRecord[]> {
    const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
    const { rows } =
      options.agentId === undefined
        ? await this.#query<SessionRow>('SELECT * FROM sessions ORDER BY updated_at DESC, key LIMIT $1', [limit])
        : await this.#query<SessionRow>(
            'SELECT * FROM sessions WHERE agent_id = $1 ORDER BY updated_at DESC, key LIMIT $2',
            [options.agentId, limit],
          );
    return rows.map(toRecord);
  }

  async reset(key: string): Promise<boolean> {
    return this.#transaction(async (c) => {
      const { rows } = await c.query<SessionRow>('SELECT * FROM sessions WHERE key = $1 FOR UPDATE', [key]);
      const row = rows[0];
      if (row === undefined) return false;
      await c.query('DELETE FROM messages WHERE session_id = $1', [row.session_id]);
      const now = this.now();
      await c.query(
        `UPDATE sessions SET session_id = $1, created_at = $2, updated_at = $2,
           input_tokens = 0, output_tokens = 0, cached_tokens = 0, message_count = 0
         WHERE key = $3`,
        [randomUUID(), now, key],
      );
      return true;
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.#transaction(async (c) => {
      const { rows } = await c.query<{ session_id: string }>(
        'DELETE FROM sessions WHERE key = $1 RETURNING session_id',
        [key],
      );
      const row = rows[0];
      if (row === undefined) return false;
      await c.query('DELETE FROM messages WHERE session_id = $1', [row.session_id]);
      return true;
    });
  }

  async close(): Promise<void> {
    await this.onClose();
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw this.health.failure(err);
    }
  }

  async #transaction<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.health.failure(err);
    }
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e;
      });
      throw this.health.failure(err);
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    key: row.key,
    agentId: row.agent_id,
    sessionId: row.session_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cachedTokens: Number(row.cached_tokens),
    messageCount: row.message_count,
  };
}
