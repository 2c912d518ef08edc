import type { Database } from 'better-sqlite3';

export interface Migration {
  /** Strictly increasing, starting at 1; never renumber or edit a shipped one. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions and messages',
    sql: `
      CREATE TABLE sessions (
        key            TEXT PRIMARY KEY,
        agent_id       TEXT NOT NULL,
        session_id     TEXT NOT NULL UNIQUE,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        input_tokens   INTEGER NOT NULL DEFAULT 0,
        output_tokens  INTEGER NOT NULL DEFAULT 0,
        cached_tokens  INTEGER NOT NULL DEFAULT 0,
        message_count  INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX sessions_by_updated ON sessions (updated_at DESC, key);
      CREATE INDEX sessions_by_agent_updated ON sessions (agent_id, updated_at DESC, key);

      -- Keyed by session_id, not key: a reset starts a new transcript under a new id.
      CREATE TABLE messages (
        session_id  TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        role        TEXT NOT NULL,
        payload     TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
      ) STRICT, WITHOUT ROWID;
    `,
  },
];

/**
 * Brings the database up to the newest schema, each step in its own
 * transaction with its version row, so a crash mid-upgrade leaves the last
 * complete version. Running it on an up-to-date database changes nothing.
 * @returns the schema version after migrating.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
  ) STRICT`);
  const current = currentVersion(db);
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > newest) {
    throw new Error(
      `sessions database schema version ${current} is newer than this gateway knows (${newest}); upgrade the gateway`,
    );
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => m.version > current);
  // IMMEDIATE takes the write lock before re-reading the version, so two
  // processes opening a fresh database at once do not both apply a step.
  const apply = db.transaction((m: Migration) => {
    if (currentVersion(db) >= m.version) return;
    db.exec(m.sql);
    record.run(m.version, m.name, Date.now());
  });
  for (const m of pending) apply.immediate(m);
  return currentVersion(db);
}

export function currentVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}
