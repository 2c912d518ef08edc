import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { PostgresHealth } from '../../src/node/pg/postgresHealth.js';
import { PostgresSessionStore } from '../../src/node/pg/postgresSessionStore.js';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, spawnCli, withFakeProvider } from '../helpers/gateway.js';
import { createTestDatabase, POSTGRES_SKIP, POSTGRES_URL, type TestDatabase } from '../helpers/postgres.js';
import {
  eventually,
  keyedTurn,
  PG_PASSWORD,
  type Replica,
  REPLICA_TOKEN,
  removeDir,
  replicaConfig,
  sleep,
  spawnReplica,
  stallOrEcho,
  stopReplica,
  textOf,
  withPassword,
} from '../helpers/replicas.js';
import { connectClient, wsUrl } from '../ws/wsTestClient.js';

const silent: Logger = { verbose: false, log: () => undefined };

describe.skipIf(POSTGRES_URL === undefined)('three gateway replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  let provider: FakeProvider;
  let dir: string;
  let file: string;
  let replicas: Replica[] = [];
  let pool: pg.Pool;
  let store: PostgresSessionStore;
  let turnCounter = 0;
  /** The round-robin load balancer: each call goes to the next live replica. */
  const next = (): Replica => {
    const live = replicas.filter((r) => r.cli.child.exitCode === null && r.cli.child.signalCode === null);
    return live[turnCounter++ % live.length]!;
  };

  beforeAll(async () => {
    db = await createTestDatabase('replicas');
    provider = await startFakeOpenAI();
    provider.setDefault(stallOrEcho);
    ({ dir, file } = await replicaConfig(
      chatConfig(
        withFakeProvider(provider.url, {
          gateway: { auth: { token: REPLICA_TOKEN, rateLimit: { maxAttempts: 4, exemptLoopback: false } } },
          storage: { driver: 'postgres', url: withPassword(db.url), maxConnections: 8 },
        }),
      ),
    ));
    replicas = await Promise.all([0, 1, 2].map(() => spawnReplica(file, dir)));
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    store = new PostgresSessionStore(pool, new PostgresHealth(pool, silent, 'test'));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map(stopReplica));
    for (const r of replicas) expect(r.cli.stderr() + r.cli.stdout()).not.toContain(PG_PASSWORD);
    await pool?.end();
    await provider?.close();
    await db?.drop();
    await removeDir(dir);
  }, 30_000);

  it('continues one session from any replica, each turn seeing every earlier one', async () => {
    for (let i = 1; i <= 6; i++) {
      const reply = await next().openai.chat.completions.create(
        { model: 'openclaw', messages: [{ role: 'user', content: `continuity ${i}` }] },
        { headers: { 'x-openclaw-session-key': 'continuity' } },
      );
      expect(reply.choices[0]!.message.content).toBe(`echo: continuity ${i}`);
    }
    const seen = provider.requests
      .filter((r) => textOf(r.body.messages.at(-1)).startsWith('continuity '))
      .map((r) => r.body.messages.filter((m: any) => m.role !== 'system').length);
    expect(seen).toEqual([1, 3, 5, 7, 9, 11]);
    const stored = await store.load('continuity');
    expect(stored?.messages.map(textOf)).toEqual(
      [1, 2, 3, 4, 5, 6].flatMap((i) => [`continuity ${i}`, `echo: continuity ${i}`]),
    );
  });

  it('serialises 9 simultaneous turns on one key over three replicas', async () => {
    const replies = await Promise.all(
      Array.from({ length: 9 }, (_, i) => keyedTurn(next().url, 'nine', `nine ${i}`).then((r) => r.json() as any)),
    );
    for (const [i, reply] of replies.entries()) expect(reply.choices[0].message.content).toBe(`echo: nine ${i}`);
    // Had two turns overlapped, both would have been sent the same history.
    const histories = provider.requests
      .filter((r) => textOf(r.body.messages.at(-1)).startsWith('nine '))
      .map((r) => r.body.messages.filter((m: any) => m.role !== 'system').length)
      .sort((a, b) => a - b);
    expect(histories).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17]);
    const stored = await store.load('nine');
    expect(stored?.messages).toHaveLength(18);
    for (let i = 0; i < 18; i += 2)
      expect(textOf(stored!.messages[i + 1])).toBe(`echo: ${textOf(stored!.messages[i])}`);
  });

  it('aborts an HTTP stream on one replica from another within a second, and agent.wait sees it from a third', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const stream = await a.openai.chat.completions.create(
      { model: 'openclaw', messages: [{ role: 'user', content: 'STALL abort me' }], stream: true },
      { headers: { 'x-openclaw-session-key': 'abort-http' } },
    );
    const chunks: string[] = [];
    let runId = '';
    const reading = (async () => {
      for await (const chunk of stream) {
        runId = chunk.id;
        chunks.push(chunk.choices[0]?.delta.content ?? '');
      }
    })().catch((err: Error) => err);
    await eventually(async () => (chunks.join('').includes('working') ? true : undefined), 5000, 'first tokens');

    const waiter = await connectClient(wsUrl(c.url), REPLICA_TOKEN);
    const wait = waiter.request('agent.wait', { runId, timeoutMs: 10_000 });
    const aborter = await connectClient(wsUrl(b.url), REPLICA_TOKEN);
    const started = Date.now();
    const res = await aborter.request('chat.abort', { sessionKey: 'abort-http' });
    expect(res.ok).toBe(true);
    expect(res.payload).toMatchObject({ aborted: true, runIds: [runId] });
    // The stream ends (the SDK reports the in-stream error) rather than hanging.
    expect(String(await reading)).toMatch(/chat.abort/);
    expect(Date.now() - started).toBeLessThan(1000);
    const waited = await wait;
    expect(waited.payload).toMatchObject({ runId, status: 'ok', aborted: true });
    expect(Date.now() - started).toBeLessThan(1500);
    waiter.close();
    aborter.close();
  });

  it('aborts a WS run by id from another replica', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const owner = await connectClient(wsUrl(a.url), REPLICA_TOKEN);
    const sent = await owner.request('chat.send', {
      sessionKey: 'abort-ws',
      message: 'STALL ws run',
      idempotencyKey: 'abort-ws-1',
    });
    expect(sent.payload).toMatchObject({ runId: 'abort-ws-1', status: 'started' });
    await eventually(
      async () => (provider.requests.some((r) => textOf(r.body.messages.at(-1)) === 'STALL ws run') ? true : undefined),
      5000,
      'the run to reach the provider',
    );
    const other = await connectClient(wsUrl(b.url), REPLICA_TOKEN);
    const started = Date.now();
    const res = await other.request('chat.abort', { sessionKey: 'abort-ws', runId: 'abort-ws-1' });
    expect(res.payload).toMatchObject({ aborted: true, runIds: ['abort-ws-1'] });
    const end = await owner.next((f) => f.event === 'chat' && f.payload?.state === 'aborted', 2000);
    expect(end.payload.runId).toBe('abort-ws-1');
    expect(Date.now() - started).toBeLessThan(1000);
    owner.close();
    other.close();
  });

  it('counts a WS idempotency key once across replicas', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const first = await connectClient(wsUrl(a.url), REPLICA_TOKEN);
    const second = await connectClient(wsUrl(b.url), REPLICA_TOKEN);
    const params = { sessionKey: 'idem', message: 'idempotent hello', idempotencyKey: 'idem-1' };
    const one = await first.request('chat.send', params);
    const two = await second.request('chat.send', params);
    expect(one.payload).toMatchObject({ runId: 'idem-1', status: 'started' });
    expect(two.payload.runId).toBe('idem-1');
    expect(['in_flight', 'ok']).toContain(two.payload.status);
    // The `agent` method retried on a third replica answers with the run's result, not a new run.
    const agentParams = { message: 'agent once', sessionKey: 'idem-agent', idempotencyKey: 'idem-2' };
    const ran = await first.request('agent', agentParams);
    expect(ran.payload.status).toBe('accepted');
    const final = await first.next((f) => f.id === ran.id && f.payload?.status !== 'accepted', 5000);
    const third = await connectClient(wsUrl(replicas[2]!.url), REPLICA_TOKEN);
    const retried = await third.request('agent', agentParams);
    const retriedFinal =
      retried.payload.status === 'accepted'
        ? await third.next((f) => f.id === retried.id && f.payload?.status !== 'accepted', 5000)
        : retried;
    expect(retriedFinal.payload.result.payloads).toEqual(final.payload.result.payloads);
    await sleep(200);
    expect(provider.requests.filter((r) => textOf(r.body.messages.at(-1)) === 'idempotent hello')).toHaveLength(1);
    expect(provider.requests.filter((r) => textOf(r.body.messages.at(-1)) === 'agent once')).toHaveLength(1);
    for (const s of [first, second, third]) s.close();
  });

  it('lists every replica’s sessions from the CLI', async () => {
    const cli = spawnCli(['sessions', 'list', '--json', '--config', file], { OPENCLAW_STATE_DIR: dir, HOME: dir });
    expect(await cli.exited).toBe(0);
    const keys = (JSON.parse(cli.stdout()) as { key: string }[]).map((s) => s.key);
    expect(keys).toEqual(expect.arrayContaining(['continuity', 'nine', 'idem']));
  });

  it('survives kill -9 of a replica with runs in flight: the others serve on and every session loads whole', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    await keyedTurn(c.url, 'crash-1', 'before the crash').then((r) => r.json());
    // Two keyed runs in flight on c, one of them over WS (so agent.wait can ask after it).
    const inFlight = [
      keyedTurn(c.url, 'crash-1', 'STALL crash one').catch(() => undefined),
      keyedTurn(c.url, 'crash-2', 'STALL crash two').catch(() => undefined),
    ];
    const ws = await connectClient(wsUrl(c.url), REPLICA_TOKEN);
    await ws.request('chat.send', {
      sessionKey: 'crash-3',
      message: 'STALL crash three',
      idempotencyKey: 'crash-3-run',
    });
    await eventually(
      async () =>
        provider.requests.filter((r) => textOf(r.body.messages.at(-1)).startsWith('STALL crash')).length === 3
          ? true
          : undefined,
      5000,
      'three stalled runs',
    );
    // A turn on crash-1 queued on a: it waits for c's lock.
    const queued = keyedTurn(a.url, 'crash-1', 'after the crash');
    await sleep(200);
    c.cli.child.kill('SIGKILL');
    await c.cli.exited;

    const reply = (await (await queued).json()) as any;
    expect(reply.choices[0].message.content).toBe('echo: after the crash');
    const wait = await (await connectClient(wsUrl(b.url), REPLICA_TOKEN)).request('agent.wait', {
      runId: 'crash-3-run',
      timeoutMs: 5000,
    });
    expect(wait.payload).toMatchObject({ status: 'error', error: expect.stringMatching(/replica/) });
    await Promise.all(inFlight);

    for (const r of [a, b]) {
      const ok = await keyedTurn(r.url, 'crash-2', `served by ${r.url}`);
      expect(ok.status).toBe(200);
    }
    const one = await store.load('crash-1');
    expect(one?.messages.map(textOf)).toEqual([
      'before the crash',
      'echo: before the crash',
      'after the crash',
      'echo: after the crash',
    ]);
    const two = await store.load('crash-2');
    expect(two?.messages.map(textOf).filter((t) => t.startsWith('STALL'))).toEqual([]);
    expect(await store.load('crash-3')).toBeNull();
    ws.close();
  }, 30_000);

  it('stops a run whose session lock dies with its connection, so turns never overlap', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const streaming = keyedTurn(a.url, 'lost-lock', 'STALL lose the lock').then((r) => r.json() as any);
    const holder = await eventually(async () => {
      const { rows } = await pool.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1
           AND objid = hashtext($2)::oid AND objsubid = 2`,
        [0x0c1b, 'lost-lock'],
      );
      return rows[0]?.pid as number | undefined;
    }, 5000);
    const started = Date.now();
    await pool.query('SELECT pg_terminate_backend($1)', [holder]);
    const failed = await streaming;
    expect(failed.error.message).toMatch(/session lock was lost/);
    expect(Date.now() - started).toBeLessThan(2000);
    const next = await keyedTurn(b.url, 'lost-lock', 'after the lost lock');
    expect(next.status).toBe(200);
    expect((await store.load('lost-lock'))?.messages.map(textOf)).toEqual([
      'after the lost lock',
      'echo: after the lost lock',
    ]);
    // The lost connection marked PostgreSQL down on a until its next probe: keyed requests there come back.
    await eventually(async () => ((await keyedTurn(a.url, 'lost-lock-2', 'back')).status === 200 ? true : undefined));
  });

  it('locks an address out after wrong tokens spread over the replicas, on every replica', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await keyedTurn(next().url, undefined, 'x', 'wrong')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    for (const r of replicas.filter((x) => x.cli.child.exitCode === null && x.cli.child.signalCode === null)) {
      const res = await eventually(async () => {
        const attempt = await keyedTurn(r.url, undefined, 'right token, locked address');
        return attempt.status === 429 ? attempt : undefined;
      }, 2000);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      const ws = await connectClient(wsUrl(r.url), REPLICA_TOKEN).catch((err: Error) => err);
      expect(String(ws)).toMatch(/AUTH_RATE_LIMITED|429/);
    }
  });
});

if (POSTGRES_URL === undefined) describe.skip(POSTGRES_SKIP, () => it('needs PostgreSQL', () => undefined));
