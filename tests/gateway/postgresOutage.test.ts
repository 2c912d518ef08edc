import { createServer, type Server, type Socket, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, freePort, spawnCli, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createTestDatabase, POSTGRES_SKIP, POSTGRES_URL, type TestDatabase } from '../helpers/postgres.js';
import { eventually, keyedTurn, PG_PASSWORD, removeDir, replicaConfig, withPassword } from '../helpers/replicas.js';
import { withFakeProvider } from '../helpers/gateway.js';

/** A TCP hop in front of PostgreSQL that a test can cut (server gone) and restore. */
async function startCuttableProxy(target: URL) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  await listen();
  return {
    port,
    async cut() {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    close() {
      for (const s of sockets) s.destroy();
      server?.close();
    },
  };
}

describe.skipIf(POSTGRES_URL === undefined)('PostgreSQL going away and coming back', () => {
  let db: TestDatabase;
  let provider: FakeProvider;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase('outage');
    provider = await startFakeOpenAI();
    proxy = await startCuttableProxy(new URL(db.url));
    const url = new URL(withPassword(db.url));
    url.port = String(proxy.port);
    gateway = await startTestGateway(
      chatConfig(withFakeProvider(provider.url, { storage: { driver: 'postgres', url: url.toString() } })),
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    proxy?.close();
    await provider?.close();
    await db?.drop();
  });

  it('answers keyed requests 503 with retry-after while stateless ones go on, then recovers', async () => {
    expect((await keyedTurn(gateway.url, 'outage', 'before', gateway.token)).status).toBe(200);
    await proxy.cut();
    // The first keyed request after the cut may be the one that finds out.
    const down = await eventually(async () => {
      const res = await keyedTurn(gateway.url, 'outage', 'during', gateway.token);
      return res.status === 503 ? res : undefined;
    }, 10_000);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await down.json()) as any;
    expect(body.error).toMatchObject({ type: expect.any(String), message: expect.stringMatching(/unreachable/) });

    const started = Date.now();
    const again = await keyedTurn(gateway.url, 'outage', 'during again', gateway.token);
    expect(again.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(500);

    const stateless = await keyedTurn(gateway.url, undefined, 'no key', gateway.token);
    expect(stateless.status).toBe(200);
    expect(((await stateless.json()) as any).choices[0].message.content).toBe('echo: no key');

    await proxy.restore();
    await eventually(async () => {
      const res = await keyedTurn(gateway.url, 'outage', 'after', gateway.token);
      return res.status === 200 ? res : undefined;
    }, 10_000);
    const logs = JSON.stringify(gateway.logs);
    expect(logs).toMatch(/PostgreSQL unreachable/);
    expect(logs).not.toContain(PG_PASSWORD);
  }, 30_000);
});

describe('refusals at start', () => {
  it.skipIf(POSTGRES_URL === undefined)(
    'exits non-zero with one clear line when PostgreSQL is down, never showing the password',
    async () => {
      const port = await freePort();
      const { dir, file } = await replicaConfig({
        storage: { driver: 'postgres', url: `postgres://app:${PG_PASSWORD}@127.0.0.1:${port}/gw` },
      });
      try {
        const cli = spawnCli(['gateway', '--port', '0', '--config', file], { OPENCLAW_STATE_DIR: dir, HOME: dir });
        expect(await cli.exited).toBe(1);
        expect(cli.stderr()).toMatch(
          new RegExp(
            `openclaw: cannot use PostgreSQL at postgres://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/gw: .*ECONNREFUSED`,
          ),
        );
        expect(cli.stderr() + cli.stdout()).not.toContain(PG_PASSWORD);
      } finally {
        await removeDir(dir);
      }
    },
  );

  it('refuses gateway.workers > 1 with SQLite in one line', async () => {
    const { dir, file } = await replicaConfig({ gateway: { workers: 2 } });
    try {
      const cli = spawnCli(['gateway', '--port', '0', '--config', file], { OPENCLAW_STATE_DIR: dir, HOME: dir });
      expect(await cli.exited).toBe(78);
      expect(cli.stderr().trim()).toMatch(/^openclaw: gateway.workers is 2 but storage.driver is "sqlite"[^\n]*$/);
    } finally {
      await removeDir(dir);
    }
  });
});

if (POSTGRES_URL === undefined) describe.skip(POSTGRES_SKIP, () => it('needs PostgreSQL', () => undefined));
