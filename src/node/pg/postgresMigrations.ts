import type pg from 'pg';

export interface PostgresMigration {
  /** Strictly increasing, starting at 1; never renumber or edit a shipped one. */
  version: number;
  name: string;
  sql: string;
}

/** The advisory lock key (namespace, id) every replica takes while migrating. */
export const MIGRATION_LOCK: readonly [number, number] = [0x0c1a, 0];

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'sessions, messages, runs, auth failures',
    sql: `
      CREATE TABLE sessions (
        key            text PRIMARY KEY,
        agent_id       text NOT NULL,
        session_id     text NOT NULL UNIQUE,
        created_at     bigint NOT NULL,
        updated_at     bigint NOT NULL,
        input_tokens   bigint NOT NULL DEFAULT 0,
        output_tokens  bigint NOT NULL DEFAULT 0,
        cached_tokens  bigint NOT NULL DEFAULT 0,
        message_count  integer NOT NULL DEFAULT 0
      );
      CREATE INDEX sessions_by_updated ON sessions (updated_at DESC, key);
      CREATE INDEX sessions_by_agent_updated ON sessions (agent_id, updated_at DESC, key);

      -- Keyed by session_id, not key: a reset starts a new transcript under a new id.
      -- payload is the message's JSON as text: jsonb would refuse \\u0000 and reorder keys.
      CREATE TABLE messages (
        session_id  text NOT NULL,
        seq         integer NOT NULL,
        role        text NOT NULL,
        payload     text NOT NULL,
        PRIMARY KEY (session_id, seq)
      );

      -- Keyed runs of every replica: for chat.abort, agent.wait and WS idempotency keys.
      -- replica is the id of the advisory lock its process holds while alive.
      CREATE TABLE runs (
        run_id       text PRIMARY KEY,
        session_key  text NOT NULL,
        agent_id     text NOT NULL,
        replica      integer NOT NULL,
        started_at   bigint NOT NULL,
        ended_at     bigint,
        result       text
      );
      CREATE INDEX runs_live_by_key ON runs (session_key) WHERE ended_at IS NULL;
      CREATE INDEX runs_by_end ON runs (ended_at) WHERE ended_at IS NOT NULL;

      CREATE TABLE auth_failures (
        scope         text NOT NULL,
        ip            text NOT NULL,
        failures      bigint[] NOT NULL DEFAULT '{}',
        locked_until  bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (scope, ip)
      );
    `,
  },
];

/**
 * Brings the database to the newest schema. Replicas starting at once queue on one advisory
 * lock held for the whole transaction, so exactly one applies each step and the others find it
 * done. A step and its version row commit together.
 * @returns the schema version after migrating.
 */
export async function migratePostgres(
  client: pg.ClientBase,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      applied_at  bigint NOT NULL
    )`);
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
    const current = rows[0]?.v ?? 0;
    const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    if (current > newest) {
      throw new Error(
        `PostgreSQL schema version ${current} is newer than this gateway knows (${newest}); upgrade the gateway`,
      );
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
    }
    await client.query('COMMIT');
    return Math.max(current, newest);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
