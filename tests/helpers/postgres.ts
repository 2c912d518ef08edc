import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server PostgreSQL tests use; `.ci/run` sets it. Without it they are skipped. */
export const POSTGRES_URL = process.env.OPENCLAW_TEST_POSTGRES_URL || undefined;

/** The one line a skipped PostgreSQL suite shows, saying how to run it. */
export const POSTGRES_SKIP =
  'PostgreSQL tests skipped: set OPENCLAW_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test to run them';

if (POSTGRES_URL === undefined) process.stderr.write(`${POSTGRES_SKIP}\n`);

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new database on the test server for one test file; drop() removes it (closing whoever is still on it). */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const base = POSTGRES_URL!;
  const name = `openclaw_${prefix}_${randomBytes(4).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      // Connections still closing (a pool just ended, a gateway stopping) are given a moment, so FORCE
      // only ever cuts what was left open, never a client in the middle of saying goodbye.
      for (let i = 0; i < 40; i++) {
        const { rows } = await adminQuery(base, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
          name,
        ]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function adminQuery(url: string, sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}
