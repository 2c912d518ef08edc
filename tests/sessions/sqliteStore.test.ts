import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/messages.js';
import { migrate, MIGRATIONS, type Migration } from '../../src/node/sessions/migrations.js';
import { sqliteAddon } from '../../src/node/sessions/sqliteAddon.js';
import {
  openSqliteSessionStore,
  sessionsDatabasePath,
  type SqliteSessionStore,
} from '../../src/node/sessions/sqliteStore.js';
import { RICH_TURN, sessionStoreContract, turn, usage } from './storeContract.js';

const dirs: string[] = [];
const stores: SqliteSessionStore[] = [];

function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'openclaw-sessions-'));
  dirs.push(dir);
  return dir;
}

function open(stateDir: string, now?: () => number): SqliteSessionStore {
  const store = openSqliteSessionStore(stateDir, now ? { now } : {});
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

sessionStoreContract('sqlite', (now) => open(tempStateDir(), now));

describe('SQLite session store', () => {
  it('lives at <stateDir>/state/sessions.sqlite, creating the folders, in WAL mode', () => {
    const stateDir = join(tempStateDir(), 'nested', 'state-dir');
    const store = open(stateDir);
    expect(store.path).toBe(join(stateDir, 'state', 'sessions.sqlite'));
    expect(sessionsDatabasePath(stateDir)).toBe(store.path);
    expect(existsSync(store.path)).toBe(true);
    const raw = new Database(store.path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  // Were the path wrong, the store would still open (bindings searches instead), only slower at start-up.
  it('hands better-sqlite3 the installed addon, so opening skips the bindings search', () => {
    const { nativeBinding } = sqliteAddon();
    expect(nativeBinding).toMatch(/[\\/]better-sqlite3[\\/]build[\\/]Release[\\/]better_sqlite3\.node$/);
    expect(existsSync(nativeBinding!)).toBe(true);
    const raw = new Database(':memory:', { nativeBinding });
    try {
      expect(raw.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
    } finally {
      raw.close();
    }
  });

  it('keeps sessions across close and reopen', async () => {
    const stateDir = tempStateDir();
    const first = open(stateDir);
    await first.appendTurn('k', 'main', RICH_TURN, usage(7, 3, 1));
    await first.appendTurn('k', 'main', turn(2), usage(1, 1));
    await first.appendTurn('other', 'ops', turn(1), usage(1, 1));
    const before = await first.load('k');
    await first.close();
    await first.close(); // closing twice is harmless

    const second = open(stateDir);
    expect(await second.load('k')).toEqual(before);
    expect((await second.list()).map((r) => r.key).sort()).toEqual(['k', 'other']);
    await expect(first.load('k')).rejects.toThrow();
  });

  it('records the schema version once and does not re-run migrations on reopen', async () => {
    const stateDir = tempStateDir();
    await open(stateDir).appendTurn('k', 'main', turn(1), usage(1, 1));
    for (const store of stores.splice(0)) await store.close();
    const again = open(stateDir);
    open(stateDir);
    expect(again.schemaVersion).toBe(MIGRATIONS.at(-1)!.version);
    expect((await again.load('k'))?.messages).toEqual(turn(1));

    const raw = new Database(sessionsDatabasePath(stateDir), { readonly: true });
    try {
      const versions = raw.prepare('SELECT version, name FROM schema_version ORDER BY version').all();
      expect(versions).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    } finally {
      raw.close();
    }
  });

  it('applies only the pending migrations, in order, and refuses a newer schema', () => {
    const db = new Database(':memory:');
    try {
      const steps: Migration[] = [
        { version: 2, name: 'two', sql: 'ALTER TABLE t ADD COLUMN b TEXT' },
        { version: 1, name: 'one', sql: 'CREATE TABLE t (a INTEGER)' },
      ];
      expect(migrate(db, [steps[1]!])).toBe(1);
      expect(migrate(db, steps)).toBe(2);
      expect(migrate(db, steps)).toBe(2);
      expect(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('t')).toEqual(['a', 'b']);
      expect(() => migrate(db, [steps[1]!])).toThrow(/newer/);
      // A failing step leaves the version where it was.
      const broken: Migration = { version: 3, name: 'broken', sql: 'CREATE TABLE u (x); SELECT nope FROM nowhere' };
      expect(() => migrate(db, [...steps, broken])).toThrow();
      expect(migrate(db, steps)).toBe(2);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'u'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('writes nothing of a turn that fails half-way', async () => {
    const store = open(tempStateDir());
    const before = await store.appendTurn('k', 'main', turn(1), usage(1, 1));
    const poisoned = [turn(2)[0]!, { role: 'user', content: 10n } as unknown as ChatMessage];
    await expect(store.appendTurn('k', 'main', poisoned, usage(1, 1))).rejects.toThrow(/BigInt/);
    await expect(store.appendTurn('fresh', 'main', poisoned, usage(1, 1))).rejects.toThrow(/BigInt/);
    expect(await store.load('k')).toEqual({ session: before, messages: turn(1) });
    expect(await store.load('fresh')).toBeNull();
    expect((await store.appendTurn('k', 'main', turn(2), usage(1, 1))).messageCount).toBe(4);
  });

  it('lets two connections on one state dir write the same key in turn', async () => {
    const stateDir = tempStateDir();
    const a = open(stateDir);
    const b = open(stateDir);
    for (let n = 0; n < 6; n++) await (n % 2 === 0 ? a : b).appendTurn('k', 'main', turn(n), usage(1, 1));
    const expected = Array.from({ length: 6 }, (_, n) => turn(n)).flat();
    expect((await a.load('k'))?.messages).toEqual(expected);
    expect((await b.load('k'))?.session.messageCount).toBe(12);
  });

  it('writes a turn as fast with 20,000 sessions as with none', async () => {
    const emptyDir = tempStateDir();
    const fullDir = tempStateDir();
    const empty = open(emptyDir);
    const full = open(fullDir);
    // Filled in one statement each through a side connection: the fill is not what is measured.
    const raw = new Database(full.path);
    try {
      raw.exec(`
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
        INSERT INTO sessions (key, agent_id, session_id, created_at, updated_at, message_count)
          SELECT 'agent:main:filler-' || i, 'main', 'filler-' || i, i, i, 2 FROM n;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39999)
        INSERT INTO messages (session_id, seq, role, payload)
          SELECT 'filler-' || (i / 2), i % 2, iif(i % 2, 'assistant', 'user'),
                 json_object('role', iif(i % 2, 'assistant', 'user'), 'content', 'filler ' || i) FROM n;
      `);
    } finally {
      raw.close();
    }
    expect((await full.list()).length).toBe(20_000);
    expect((await full.load('agent:main:filler-19999'))?.messages).toEqual([
      { role: 'user', content: 'filler 39998' },
      { role: 'assistant', content: 'filler 39999' },
    ]);

    // The same workload on both: 200 turns over 20 keys, best of 5 rounds to
    // shrug off a busy shared machine.
    async function bestOf(store: SqliteSessionStore): Promise<number> {
      let best = Infinity;
      for (let round = 0; round < 5; round++) {
        const start = performance.now();
        for (let i = 0; i < 200; i++)
          await store.appendTurn(`agent:main:hot-${round}-${i % 20}`, 'main', turn(i), usage(1, 1));
        best = Math.min(best, performance.now() - start);
      }
      return best;
    }
    const emptyMs = await bestOf(empty);
    const fullMs = await bestOf(full);
    expect(fullMs, `empty ${emptyMs.toFixed(1)} ms, full ${fullMs.toFixed(1)} ms`).toBeLessThan(emptyMs * 5);
    expect((await full.list({ limit: 1 }))[0]?.key).toMatch(/^agent:main:hot-4-/);
  });
});

describe('SQLite session store after SIGKILL', () => {
  const writer = fileURLToPath(new URL('./crashWriter.ts', import.meta.url));
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

  /** Runs the writer until it has reported at least `turns` turns, then SIGKILLs it. */
  async function runAndKill(stateDir: string, turns: number): Promise<number> {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, stateDir, '6'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let killing = false;
    const reported = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const last = Number(chunk.toString().trim().split('\n').at(-1));
        if (last >= turns && !killing) {
          killing = true;
          // Not right on a progress line: the writer is then at the same spot
          // in its loop every time. A random delay lands the kill anywhere.
          setTimeout(() => child.kill('SIGKILL'), 5 + Math.random() * 40);
          resolve(last);
        }
      });
      child.on('exit', (code) => reject(new Error(`writer exited early (code ${code}): ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');
    return reported;
  }

  /** Checks the database is whole and every session holds only complete turns; returns the turn count. */
  async function checkWhole(stateDir: string): Promise<number> {
    const store = open(stateDir);
    const raw = new Database(store.path, { readonly: true });
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      const mismatched = raw
        .prepare(
          `SELECT s.key FROM sessions s
           WHERE s.message_count != (SELECT count(*) FROM messages m WHERE m.session_id = s.session_id)
              OR s.message_count != coalesce((SELECT max(seq) + 1 FROM messages m WHERE m.session_id = s.session_id), 0)`,
        )
        .all();
      expect(mismatched).toEqual([]);
      const orphans = raw
        .prepare('SELECT count(*) FROM messages WHERE session_id NOT IN (SELECT session_id FROM sessions)')
        .pluck()
        .get();
      expect(orphans).toBe(0);
    } finally {
      raw.close();
    }

    let total = 0;
    const sessions = await store.list();
    expect(sessions.length).toBe(6);
    for (const record of sessions) {
      const { messages } = (await store.load(record.key))!;
      let turns = 0;
      for (let i = 0; i < messages.length; turns++) {
        expect(messages[i]).toEqual({ role: 'user', content: `${record.key} turn ${turns}` });
        const length = turns % 2 === 0 ? 2 : 4;
        const last = messages[i + length - 1];
        expect(last?.role).toBe('assistant');
        expect((last as { content: string }).content.startsWith(`${record.key} answer ${turns} `)).toBe(true);
        i += length;
      }
      expect(record).toMatchObject({ inputTokens: 3 * turns, outputTokens: 5 * turns, cachedTokens: turns });
      total += turns;
    }
    await store.close();
    return total;
  }

  it('opens whole with only complete turns, killed three times over', async () => {
    const stateDir = tempStateDir();
    let total = 0;
    for (let round = 0; round < 3; round++) {
      // Each writer after the first starts from the database its predecessor left.
      const reported = await runAndKill(stateDir, 300);
      const after = await checkWhole(stateDir);
      expect(after).toBeGreaterThanOrEqual(total + reported);
      total = after;
    }
  }, 60_000);
});
