import { execFileSync } from 'node:child_process';
import http from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { PostgresHealth } from '../../src/node/pg/postgresHealth.js';
import { PostgresSessionStore } from '../../src/node/pg/postgresSessionStore.js';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, withFakeProvider } from '../helpers/gateway.js';
import { createTestDatabase, POSTGRES_SKIP, POSTGRES_URL, type TestDatabase } from '../helpers/postgres.js';
import {
  eventually,
  type Replica,
  REPLICA_TOKEN,
  removeDir,
  replicaConfig,
  spawnReplica,
  stallOrEcho,
  stopReplica,
  textOf,
} from '../helpers/replicas.js';
import { connectClient, wsUrl } from '../ws/wsTestClient.js';

const silent: Logger = { verbose: false, log: () => undefined };

/** A keyed turn on a connection of its own, so node:cluster hands it to the next worker in turn. */
function turnOnNewConnection(
  url: string,
  key: string,
  content: string,
  stream = false,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/chat/completions`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${REPLICA_TOKEN}`,
          'content-type': 'application/json',
          'x-openclaw-session-key': key,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'openclaw', stream, messages: [{ role: 'user', content }] }));
  });
}

function workerPids(primary: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(primary)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

describe.skipIf(POSTGRES_URL === undefined)('gateway.workers: 2 on one port, sharing PostgreSQL', () => {
  let db: TestDatabase;
  let provider: FakeProvider;
  let dir: string;
  let gateway: Replica;
  let pool: pg.Pool;
  let store: PostgresSessionStore;

  beforeAll(async () => {
    db = await createTestDatabase('workers');
    provider = await startFakeOpenAI();
    provider.setDefault(stallOrEcho);
    let file: string;
    ({ dir, file } = await replicaConfig(
      chatConfig(
        withFakeProvider(provider.url, {
          gateway: { workers: 2, auth: { token: REPLICA_TOKEN } },
          storage: { driver: 'postgres', url: db.url, maxConnections: 8 },
        }),
      ),
    ));
    gateway = await spawnReplica(file, dir);
    // The banner comes with the first worker; wait for both.
    await eventually(async () => (workerPids(gateway.cli.child.pid!).length === 2 ? true : undefined), 10_000);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    store = new PostgresSessionStore(pool, new PostgresHealth(pool, silent, 'test'));
  }, 60_000);

  afterAll(async () => {
    await stopReplica(gateway);
    await pool?.end();
    await provider?.close();
    await db?.drop();
    await removeDir(dir);
  }, 30_000);

  it('serialises simultaneous turns on one key over both workers', async () => {
    await eventually(
      async () => ((await turnOnNewConnection(gateway.url, 'warm', 'warm')).status === 200 ? true : undefined),
      10_000,
    );
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) => turnOnNewConnection(gateway.url, 'six', `six ${i}`)),
    );
    for (const [i, r] of replies.entries())
      expect(JSON.parse(r.body).choices[0].message.content).toBe(`echo: six ${i}`);
    const histories = provider.requests
      .filter((r) => textOf(r.body.messages.at(-1)).startsWith('six '))
      .map((r) => r.body.messages.filter((m: any) => m.role !== 'system').length)
      .sort((a, b) => a - b);
    expect(histories).toEqual([1, 3, 5, 7, 9, 11]);
  });

  it('aborts a stream from another connection within a second', async () => {
    const streaming = turnOnNewConnection(gateway.url, 'w-abort', 'STALL worker abort', true);
    await eventually(
      async () =>
        provider.requests.some((r) => textOf(r.body.messages.at(-1)) === 'STALL worker abort') ? true : undefined,
      5000,
    );
    // Two sockets: node:cluster hands them to the workers in turn, so one is on the other worker.
    const sockets = [
      await connectClient(wsUrl(gateway.url), REPLICA_TOKEN),
      await connectClient(wsUrl(gateway.url), REPLICA_TOKEN),
    ];
    const started = Date.now();
    const res = await sockets[0]!.request('chat.abort', { sessionKey: 'w-abort' });
    expect(res.payload.aborted).toBe(true);
    const done = await streaming;
    expect(done.body).toMatch(/chat.abort/);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const s of sockets) s.close();
  });

  it('survives kill -9 of a worker with runs in flight: a new one replaces it and sessions load whole', async () => {
    await turnOnNewConnection(gateway.url, 'w-k1', 'first turn');
    const inFlight = ['w-k1', 'w-k2'].map((key) =>
      turnOnNewConnection(gateway.url, key, `STALL ${key}`, true).catch(() => undefined),
    );
    await eventually(
      async () =>
        provider.requests.filter((r) => /^STALL w-k\d$/.test(textOf(r.body.messages.at(-1)))).length === 2
          ? true
          : undefined,
      5000,
    );
    const [victim] = workerPids(gateway.cli.child.pid!);
    process.kill(victim!, 'SIGKILL');
    await eventually(async () => (/died .*starting another/.test(gateway.cli.stderr()) ? true : undefined), 5000);
    // Whatever still holds a key on the surviving worker is aborted from any connection.
    const ws = await connectClient(wsUrl(gateway.url), REPLICA_TOKEN);
    for (const key of ['w-k1', 'w-k2']) await ws.request('chat.abort', { sessionKey: key });
    await Promise.all(inFlight);
    for (const key of ['w-k1', 'w-k2']) {
      const after = await turnOnNewConnection(gateway.url, key, `after ${key}`);
      expect(after.status).toBe(200);
    }
    expect((await store.load('w-k1'))?.messages.map(textOf)).toEqual([
      'first turn',
      'echo: first turn',
      'after w-k1',
      'echo: after w-k1',
    ]);
    expect((await store.load('w-k2'))?.messages.map(textOf)).toEqual(['after w-k2', 'echo: after w-k2']);
    await eventually(async () => (workerPids(gateway.cli.child.pid!).length === 2 ? true : undefined), 10_000);
    ws.close();
  }, 30_000);
});

if (POSTGRES_URL === undefined) describe.skip(POSTGRES_SKIP, () => it('needs PostgreSQL', () => undefined));
