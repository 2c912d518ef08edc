import { MIGRATIONS, type Migration } from '../../src/node/sessions/migrations.js';

/** A migration heavy enough that a kill lands inside it: a big table filled and indexed in one step. */
export const SLOW_MIGRATION: Migration = {
  version: MIGRATIONS.length + 1,
  name: 'crash test: slow backfill',
  sql: `
    CREATE TABLE crash_backfill (id INTEGER PRIMARY KEY, session_key TEXT NOT NULL, body TEXT NOT NULL) STRICT;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000)
      INSERT INTO crash_backfill (id, session_key, body) SELECT i, 'k' || (i % 97), hex(randomblob(16)) FROM n;
    CREATE INDEX crash_backfill_by_key ON crash_backfill (session_key, body);
  `,
};
