import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChatMessage, Usage } from '../../messages.js';
import type { ListOptions, SessionRecord, SessionStore, StoredSession } from '../../sessions/store.js';
import { migrate } from './migrations.js';
import { sqliteAddon } from './sqliteAddon.js';

export interface SqliteSessionStoreOptions {
  /** How long a write waits for another connection's lock before failing (default 5000). */
  busyTimeoutMs?: number;
  /** Clock for created/updated timestamps, in epoch milliseconds (tests pin it). */
  now?: () => number;
}

interface SessionRow {
  key: string;
  agent_id: string;
  session_id: string;
  created_at: number;
  updated_at: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  message_count: number;
}

/** Where the database lives under a state dir, as OpenClaw lays it out. */
export function sessionsDatabasePath(stateDir: string): string {
  return join(stateDir, 'state', 'sessions.sqlite');
}

/**
 * Opens (creating and migrating as needed) the embedded session store at
 * `<stateDir>/state/sessions.sqlite`. Call once at startup and keep it.
 */
export function openSqliteSessionStore(stateDir: string, options: SqliteSessionStoreOptions = {}): SqliteSessionStore {
  const path = sessionsDatabasePath(stateDir);
  mkdirSync(join(stateDir, 'state'), { recursive: true });
  const db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000, ...sqliteAddon() });
  try {
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL skips the fsync on each commit but still never
    // corrupts the database or tears a transaction: a process crash loses
    // nothing (the WAL is in the OS page cache), only a power cut may drop
    // the last few commits. Surviving a killed process is the requirement.
    db.pragma('synchronous = NORMAL');
    const schemaVersion = migrate(db);
    return new SqliteSessionStore(db, path, schemaVersion, options.now ?? Date.now);
  } catch (err) {
    db.close();
    throw err;
  }
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Database.Database) {
  const order = 'ORDER BY updated_at DESC, key LIMIT ?';
  return {
    session: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE key = ?'),
    messages: db.prepare<[string], string>('SELECT payload FROM messages WHERE session_id = ? ORDER BY seq').pluck(),
    insertSession: db.prepare<[string, string, string, number, number]>(
      'INSERT INTO sessions (key, agent_id, session_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    ),
    insertMessage: db.prepare<[string, number, string, string]>(
      'INSERT INTO messages (session_id, seq, role, payload) VALUES (?, ?, ?, ?)',
    ),
    addTurn: db.prepare<[number, number, number, number, number, string], SessionRow>(
      `UPDATE sessions SET updated_at = ?, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
         cached_tokens = cached_tokens + ?, message_count = message_count + ?
       WHERE key = ? RETURNING *`,
    ),
    listAll: db.prepare<[number], SessionRow>(`SELECT * FROM sessions ${order}`),
    listByAgent: db.prepare<[string, number], SessionRow>(`SELECT * FROM sessions WHERE agent_id = ? ${order}`),
    restart: db.prepare<[string, number, number, string]>(
      `UPDATE sessions SET session_id = ?, created_at = ?, updated_at = ?,
         input_tokens = 0, output_tokens = 0, cached_tokens = 0, message_count = 0
       WHERE key = ?`,
    ),
    deleteMessages: db.prepare<[string]>('DELETE FROM messages WHERE session_id = ?'),
    deleteSession: db.prepare<[string]>('DELETE FROM sessions WHERE key = ?'),
  };
}

/**
 * SessionStore on one better-sqlite3 connection. better-sqlite3 is
 * synchronous; a turn write is a few small row inserts, short enough to run
 * on the event loop. The methods stay async so a networked store can take
 * this one's place.
 */
export class SqliteSessionStore implements SessionStore {
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #stmt: Statements;
  readonly #appendTurn: Database.Transaction<
    (key: string, agentId: string, messages: ChatMessage[], usage: Usage) => SessionRow
  >;
  readonly #load: Database.Transaction<(key: string) => StoredSession | null>;
  readonly #reset: Database.Transaction<(key: string) => boolean>;
  readonly #delete: Database.Transaction<(key: string) => boolean>;

  /** Use openSqliteSessionStore. */
  constructor(
    db: Database.Database,
    readonly path: string,
    readonly schemaVersion: number,
    now: () => number,
  ) {
    this.#db = db;
    this.#now = now;
    const s = prepareStatements(db);
    this.#stmt = s;

    this.#appendTurn = db.transaction((key, agentId, messages, usage) => {
      const now = this.#now();
      let row = s.session.get(key);
      if (!row) {
        s.insertSession.run(key, agentId, randomUUID(), now, now);
        row = s.session.get(key)!;
      }
      let seq = row.message_count;
      for (const message of messages) {
        s.insertMessage.run(row.session_id, seq++, message.role, JSON.stringify(message));
      }
      return s.addTurn.get(now, usage.promptTokens, usage.completionTokens, usage.cachedTokens, messages.length, key)!;
    });

    // One read transaction so the record and transcript come from one snapshot
    // even while another process (the gateway, for the CLI) is writing.
    this.#load = db.transaction((key) => {
      const row = s.session.get(key);
      if (!row) return null;
      const messages = s.messages.all(row.session_id).map((payload) => JSON.parse(payload) as ChatMessage);
      return { session: toRecord(row), messages };
    });

    // A reset drops the old transcript rather than keeping it under the old
    // session_id: nothing could list or export an orphaned transcript, so
    // keeping it would only grow the file. A user who wants it exports first.
    this.#reset = db.transaction((key) => {
      const row = s.session.get(key);
      if (!row) return false;
      s.deleteMessages.run(row.session_id);
      const now = this.#now();
      s.restart.run(randomUUID(), now, now, key);
      return true;
    });

    this.#delete = db.transaction((key) => {
      const row = s.session.get(key);
      if (!row) return false;
      s.deleteMessages.run(row.session_id);
      s.deleteSession.run(key);
      return true;
    });
  }

  async load(key: string): Promise<StoredSession | null> {
    return this.#load(key);
  }

  async appendTurn(key: string, agentId: string, messages: ChatMessage[], usage: Usage): Promise<SessionRecord> {
    // IMMEDIATE takes the write lock up front, so a second process writing
    // waits on busy_timeout instead of failing on a read-to-write upgrade.
    return toRecord(this.#appendTurn.immediate(key, agentId, messages, usage));
  }

  async list(options: ListOptions = {}): Promise<SessionRecord[]> {
    const limit = options.limit === undefined ? -1 : Math.max(0, Math.floor(options.limit));
    const rows =
      options.agentId === undefined
        ? this.#stmt.listAll.all(limit)
        : this.#stmt.listByAgent.all(options.agentId, limit);
    return rows.map(toRecord);
  }

  async reset(key: string): Promise<boolean> {
    return this.#reset.immediate(key);
  }

  async delete(key: string): Promise<boolean> {
    return this.#delete.immediate(key);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    key: row.key,
    agentId: row.agent_id,
    sessionId: row.session_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedTokens: row.cached_tokens,
    messageCount: row.message_count,
  };
}
