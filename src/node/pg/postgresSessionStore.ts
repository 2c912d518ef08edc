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
 * turn, so a replica dying mid-turn leaves only complete turns. Serialising turns on one key
 * is the shared locks' job, not this store's; the row lock here only keeps counters exact.
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
    return this.#transaction(async (c) => {
      const { rows } = await c.query<SessionRow>('SELECT * FROM sessions WHERE key = $1', [key]);
      const row = rows[0];
      if (row === undefined) return null;
      const messages = await c.query<{ payload: string }>(
        'SELECT payload FROM messages WHERE session_id = $1 ORDER BY seq',
        [row.session_id],
      );
      return { session: toRecord(row), messages: messages.rows.map((m) => JSON.parse(m.payload) as ChatMessage) };
    }, 'REPEATABLE READ READ ONLY');
  }

  async appendTurn(key: string, agentId: string, messages: ChatMessage[], usage: Usage): Promise<SessionRecord> {
    const payloads = messages.map((m) => JSON.stringify(m));
    return this.#transaction(async (c) => {
      const now = this.now();
      await c.query(
        `INSERT INTO sessions (key, agent_id, session_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (key) DO NOTHING`,
        [key, agentId, randomUUID(), now],
      );
      const { rows } = await c.query<SessionRow>('SELECT * FROM sessions WHERE key = $1 FOR UPDATE', [key]);
      const row = rows[0]!;
      if (payloads.length > 0) {
        await c.query(
          `INSERT INTO messages (session_id, seq, role, payload)
           SELECT $1, $2 + n - 1, role, payload FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(role, payload, n)`,
          [row.session_id, row.message_count, messages.map((m) => m.role), payloads],
        );
      }
      const updated = await c.query<SessionRow>(
        `UPDATE sessions SET updated_at = $1, input_tokens = input_tokens + $2, output_tokens = output_tokens + $3,
           cached_tokens = cached_tokens + $4, message_count = message_count + $5
         WHERE key = $6 RETURNING *`,
        [now, usage.promptTokens, usage.completionTokens, usage.cachedTokens, messages.length, key],
      );
      return toRecord(updated.rows[0]!);
    });
  }

  async list(options: ListOptions = {}): Promise<SessionRecord[]> {
    const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
    try {
      const { rows } =
        options.agentId === undefined
          ? await this.pool.query<SessionRow>('SELECT * FROM sessions ORDER BY updated_at DESC, key LIMIT $1', [limit])
          : await this.pool.query<SessionRow>(
              'SELECT * FROM sessions WHERE agent_id = $1 ORDER BY updated_at DESC, key LIMIT $2',
              [options.agentId, limit],
            );
      return rows.map(toRecord);
    } catch (err) {
      throw this.health.failure(err);
    }
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

  async #transaction<T>(work: (c: pg.PoolClient) => Promise<T>, mode = ''): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.health.failure(err);
    }
    let broken: unknown;
    try {
      await client.query(mode === '' ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${mode}`);
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
