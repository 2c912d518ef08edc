/**
 * SIGKILL while sessions are reset and deleted, and while the schema is migrated: afterwards the
 * database passes SQLite's integrity check, every session opens whole, and no transcript is orphaned.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentVersion, MIGRATIONS, migrate } from '../../src/node/sessions/migrations.js';
import { openSqliteSessionStore, sessionsDatabasePath } from '../../src/node/sessions/sqliteStore.js';
import { SLOW_MIGRATION } from './slowMigration.js';

const child = fileURLToPath(new URL('./crashMutator.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'openclaw-crash-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Runs the child until its stdout matches `ready`, then SIGKILLs it after `delayMs`. */
async function killDuring(mode: 'mutate' | 'migrate', ready: (line: string) => boolean, delayMs: number) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, mode], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.split('\n').some(ready)) resolve();
    });
    proc.on('exit', () => reject(new Error(`child exited before it was killed: ${out} ${err}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  proc.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return out;
}

/** Integrity check, then every session whole: record and transcript agree, turns complete, no orphans. */
async function expectWhole(): Promise<number> {
  const db = new Database(sessionsDatabasePath(dir));
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const orphans = db
      .prepare('SELECT COUNT(*) AS n FROM messages WHERE session_id NOT IN (SELECT session_id FROM sessions)')
      .get() as { n: number };
    expect(orphans.n).toBe(0);
  } finally {
    db.close();
  }
  const store = openSqliteSessionStore(dir);
  try {
    const sessions = await store.list();
    for (const s of sessions) {
      const loaded = (await store.load(s.key))!;
      expect(loaded.messages.length, s.key).toBe(s.messageCount);
      expect(loaded.messages.length % 2, s.key).toBe(0);
      for (const [i, m] of loaded.messages.entries()) expect(m.role, s.key).toBe(i % 2 === 0 ? 'user' : 'assistant');
    }
    return sessions.length;
  } finally {
    await store.close();
  }
}

describe('SQLite sessions after SIGKILL', () => {
  it('open whole when killed while sessions are appended to, reset and deleted (5 kills)', async () => {
    for (let round = 0; round < 5; round++) {
      await killDuring('mutate', (line) => Number(line) >= 200, 5 + Math.random() * 60);
      await expectWhole();
    }
  }, 60_000);

  it('open whole at the last complete schema version when killed mid-migration; the upgrade then completes', async () => {
    const seeded = openSqliteSessionStore(dir);
    await seeded.appendTurn(
      'agent:main:before',
      'main',
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
      { promptTokens: 1, completionTokens: 1, cachedTokens: 0, totalTokens: 2 },
    );
    await seeded.close();

    await killDuring('migrate', (line) => line === 'migrating', 20 + Math.random() * 80);
    const db = new Database(sessionsDatabasePath(dir));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // The slow step is all or nothing, and the version says which.
      const version = currentVersion(db);
      const table = db.prepare("SELECT name FROM sqlite_master WHERE name = 'crash_backfill'").get();
      expect([MIGRATIONS.length, SLOW_MIGRATION.version]).toContain(version);
      expect(table !== undefined).toBe(version === SLOW_MIGRATION.version);
      if (version === MIGRATIONS.length) {
        db.close();
        // The gateway of the old version opens it as if nothing happened.
        expect(await expectWhole()).toBe(1);
      }
    } finally {
      if (db.open) db.close();
    }
    const upgraded = new Database(sessionsDatabasePath(dir));
    try {
      expect(migrate(upgraded, [...MIGRATIONS, SLOW_MIGRATION])).toBe(SLOW_MIGRATION.version);
      expect((upgraded.prepare('SELECT COUNT(*) AS n FROM crash_backfill').get() as { n: number }).n).toBe(400_000);
      const rows = upgraded
        .prepare(
          'SELECT s.key, s.message_count AS c, COUNT(m.seq) AS n FROM sessions s JOIN messages m USING (session_id) GROUP BY s.key',
        )
        .all();
      expect(rows).toEqual([{ key: 'agent:main:before', c: 2, n: 2 }]);
    } finally {
      upgraded.close();
    }
  }, 60_000);
});
