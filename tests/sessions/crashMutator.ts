/**
 * Child process for the crash-safety tests, killed with SIGKILL at a random moment.
 * `mutate`: appends, resets and deletes sessions on many keys at once, as WS `sessions.reset` /
 * `sessions.delete` racing keyed runs would. `migrate`: runs the real migrations then a slow extra
 * one over a large table, as an upgrade would. Reports progress on stdout.
 * Usage: node --import tsx crashMutator.ts <stateDir> mutate|migrate
 */
import Database from 'better-sqlite3';
import type { ChatMessage } from '../../src/messages.js';
import { MIGRATIONS, migrate } from '../../src/node/sessions/migrations.js';
import { openSqliteSessionStore, sessionsDatabasePath } from '../../src/node/sessions/sqliteStore.js';
import { SLOW_MIGRATION } from './slowMigration.js';

const [stateDir, mode] = process.argv.slice(2);
if (!stateDir || (mode !== 'mutate' && mode !== 'migrate'))
  throw new Error('usage: crashMutator.ts <stateDir> mutate|migrate');

const usage = { promptTokens: 3, completionTokens: 5, cachedTokens: 1, totalTokens: 8 };
const turn = (key: string, n: number): ChatMessage[] => [
  { role: 'user', content: `${key} turn ${n}` },
  { role: 'assistant', content: `${key} answer ${n} ${'x'.repeat(1500)}` },
];

if (mode === 'migrate') {
  const db = new Database(sessionsDatabasePath(stateDir), { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  process.stdout.write('migrating\n');
  migrate(db, [...MIGRATIONS, SLOW_MIGRATION]);
  process.stdout.write('migrated\n');
} else {
  const store = openSqliteSessionStore(stateDir);
  let ops = 0;
  const loop = async (k: number): Promise<never> => {
    const key = `agent:main:crash-${k}`;
    for (let n = 0; ; n++) {
      const step = n % 7;
      if (step === 5) await store.reset(key);
      else if (step === 6 && k % 2 === 0) await store.delete(key);
      else await store.appendTurn(key, 'main', turn(key, n), usage);
      if (++ops % 40 === 0) process.stdout.write(`${ops}\n`);
      if (n % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, k) => loop(k)));
}
