import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/messages.js';
import type { Logger } from '../../src/log.js';
import { PostgresHealth } from '../../src/node/pg/postgresHealth.js';
import { migratePostgres, POSTGRES_MIGRATIONS } from '../../src/node/pg/postgresMigrations.js';
import { PostgresSessionStore } from '../../src/node/pg/postgresSessionStore.js';
import { postgresUrlOf, redactUrl } from '../../src/node/pg/postgresUrl.js';
import { StoreUnavailableError } from '../../src/sessions/store.js';
import { adminQuery, createTestDatabase, POSTGRES_SKIP, POSTGRES_URL, type TestDatabase } from '../helpers/postgres.js';
import { sessionStoreContract, turn, usage } from './storeContract.js';

const silent: Logger = { verbose: false, log: () => undefined };

describe('PostgreSQL URL', () => {
  it('comes from storage.url with ${VAR} from the environment, else OPENCLAW_POSTGRES_URL', () => {
    const storage = { driver: 'postgres' as const, maxConnections: 16 };
    expect(postgresUrlOf({ ...storage, url: 'postgres://u:${PGPW}@h/db' }, { PGPW: 'x' })).toBe('postgres://u:x@h/db');
    expect(postgresUrlOf(storage, { OPENCLAW_POSTGRES_URL: 'postgres://h/db' })).toBe('postgres://h/db');
    expect(() => postgresUrlOf(storage, {})).toThrow(/storage.url nor OPENCLAW_POSTGRES_URL/);
    expect(() => postgresUrlOf({ ...storage, url: '${NOPE}' }, {})).toThrow(/\$\{NOPE\}, which is not set/);
    expect(() => postgresUrlOf({ ...storage, url: 'mysql://h/db' }, {})).toThrow(/postgres:\/\//);
  });

  it('is shown with its password replaced', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/gw?sslmode=require')).toBe(
      'postgres://app:***@db:5432/gw?sslmode=require',
    );
    expect(redactUrl('postgres://db/gw?password=s3cret')).not.toContain('s3cret');
  });
});

describe.skipIf(POSTGRES_URL === undefined)('PostgreSQL session store', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let health: PostgresHealth;

  beforeAll(async () => {
    db = await createTestDatabase('store');
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    health = new PostgresHealth(pool, silent, redactUrl(db.url));
    const client = await pool.connect();
    await migratePostgres(client);
    client.release();
  });
  afterAll(async () => {
    health?.close();
    await pool?.end();
    await db?.drop();
  });

  sessionStoreContract('postgres', async (now) => {
    await pool.query('TRUNCATE sessions, messages');
    return new PostgresSessionStore(pool, health, now);
  });

  it('migrates once when several replicas start on a fresh database at the same moment', async () => {
    const fresh = await createTestDatabase('migrate');
    try {
      const clients = Array.from({ length: 5 }, () => new pg.Client({ connectionString: fresh.url }));
      await Promise.all(clients.map((c) => c.connect()));
      const versions = await Promise.all(clients.map((c) => migratePostgres(c)));
      await Promise.all(clients.map((c) => c.end()));
      expect(versions).toEqual(Array(5).fill(POSTGRES_MIGRATIONS.length));
      const rows = await adminQuery(fresh.url, 'SELECT version FROM schema_version');
      expect(rows.rows).toEqual([{ version: 1 }]);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses a schema newer than it knows', async () => {
    const client = await pool.connect();
    try {
      await expect(migratePostgres(client, [])).rejects.toThrow(/newer than this gateway knows/);
    } finally {
      client.release();
    }
  });

  it('writes nothing of a turn that fails half-way', async () => {
    await pool.query('TRUNCATE sessions, messages');
    const store = new PostgresSessionStore(pool, health);
    await store.appendTurn('k', 'main', turn(1), usage(1, 1));
    // The role column takes the role raw, and PostgreSQL text refuses a NUL byte: the insert fails mid-turn.
    const bad = [
      { role: 'user', content: 'fine' },
      { role: 'us\u0000er', content: 'x' },
    ] as unknown as ChatMessage[];
    await expect(store.appendTurn('k', 'main', bad, usage(1, 1))).rejects.toThrow();
    const loaded = await store.load('k');
    expect(loaded?.messages).toEqual(turn(1));
    expect(loaded?.session.messageCount).toBe(2);
  });

  it('answers StoreUnavailableError when the server cannot be reached, and marks it down', async () => {
    const dead = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 2000,
    });
    const deadHealth = new PostgresHealth(dead, silent, 'postgres://127.0.0.1:1/none');
    const store = new PostgresSessionStore(dead, deadHealth);
    try {
      await expect(store.load('k')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(deadHealth.available).toBe(false);
    } finally {
      deadHealth.close();
      await dead.end();
    }
  });
});

if (POSTGRES_URL === undefined) describe.skip(POSTGRES_SKIP, () => it('needs PostgreSQL', () => undefined));
