import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';
import { connectClient, wsUrl, type Frame, type TestSocket } from './wsTestClient.js';

const WORDS = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');

let provider: FakeProvider;
let gw: TestGateway;
let url: string;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  provider = await startFakeOpenAI();
  gw = await startTestGateway(
    chatConfig(withFakeProvider(provider.url, { agents: { list: [{ id: 'main' }, { id: 'beta' }] } })),
  );
  url = wsUrl(gw.url);
});

afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await gw.stop();
  await provider.close();
});

beforeEach(() => {
  provider.setDefault({ text: WORDS, delayMs: 15 });
});

async function client(extra: Record<string, unknown> = {}): Promise<TestSocket> {
  const s = await connectClient(url, gw.token, extra);
  sockets.push(s);
  return s;
}

const responses = (s: TestSocket, id: string): Frame[] => s.frames.filter((f) => f.type === 'res' && f.id === id);
const runEvents = (s: TestSocket, runId: string, event: 'agent' | 'chat'): Frame[] =>
  s.frames.filter((f) => f.event === event && f.payload.runId === runId);

describe('WS agent runs', () => {
  it('accepts an agent run, streams its events, then answers again on the same id with the result', async () => {
    const s = await client();
    s.send({
      type: 'req',
      id: 'a1',
      method: 'agent',
      params: { message: 'hi', agentId: 'main', sessionKey: 'agent:main:wscap', idempotencyKey: 'k-1' },
    });
    const final = await s.next((f) => f.id === 'a1' && f.payload?.status !== 'accepted');
    const [accepted] = responses(s, 'a1');
    expect(accepted!.ok).toBe(true);
    expect(accepted!.payload).toMatchObject({
      runId: 'k-1',
      sessionKey: 'agent:main:wscap',
      agentId: 'main',
      status: 'accepted',
    });
    expect(typeof accepted!.payload.acceptedAt).toBe('number');

    expect(final.ok).toBe(true);
    expect(final.payload).toMatchObject({ runId: 'k-1', status: 'ok', summary: 'completed' });
    expect(final.payload.result.payloads).toEqual([{ text: WORDS, mediaUrl: null }]);
    expect(final.payload.result.meta.agentMeta).toMatchObject({
      provider: 'fake',
      model: 'm',
      sessionKey: 'agent:main:wscap',
    });
    expect(final.payload.result.meta.agentMeta.usage.output).toBeGreaterThan(0);

    const agent = runEvents(s, 'k-1', 'agent');
    const lifecycle = agent.filter((f) => f.payload.stream === 'lifecycle').map((f) => f.payload.data.phase);
    expect(lifecycle).toEqual(['start', 'end']);
    const assistant = agent.filter((f) => f.payload.stream === 'assistant');
    expect(assistant.length).toBeGreaterThan(1);
    expect(assistant.map((f) => f.payload.data.delta).join('')).toBe(WORDS);
    expect(assistant.at(-1)!.payload.data.text).toBe(WORDS);
    for (const f of agent)
      expect(f.payload).toMatchObject({ runId: 'k-1', sessionKey: 'agent:main:wscap', agentId: 'main' });
    const runSeqs = agent.map((f) => f.payload.seq);
    expect([...runSeqs].sort((a, b) => a - b)).toEqual(runSeqs);
    expect(new Set(runSeqs).size).toBe(runSeqs.length);

    const chat = runEvents(s, 'k-1', 'chat');
    expect(chat.at(-1)!.payload).toMatchObject({
      state: 'final',
      message: { role: 'assistant', content: [{ type: 'text', text: WORDS }] },
    });
    expect(
      chat
        .filter((f) => f.payload.state === 'delta')
        .map((f) => f.payload.deltaText)
        .join(''),
    ).toBe(WORDS);

    // Order on the wire: accepted, then events, then the final response; connection seqs climb by one.
    const idx = (f: Frame) => s.frames.indexOf(f);
    expect(idx(accepted!)).toBeLessThan(idx(agent[0]!));
    expect(idx(agent.at(-1)!)).toBeLessThan(idx(final));
    const seqs = s.frames.filter((f) => f.type === 'event' && f.seq !== undefined).map((f) => f.seq!);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));

    const wait = await s.request('agent.wait', { runId: 'k-1', timeoutMs: 1000 });
    expect(wait.payload).toMatchObject({ runId: 'k-1', status: 'ok' });
    const history = await s.request('chat.history', { sessionKey: 'agent:main:wscap' });
    expect(history.payload.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: WORDS }] },
    ]);
  });

  it('returns the existing run for a repeated idempotencyKey instead of starting another', async () => {
    const before = provider.requests.length;
    const a = await client();
    const b = await client();
    a.send({ type: 'req', id: 'x', method: 'agent', params: { message: 'once', idempotencyKey: 'dup-1' } });
    await a.next((f) => f.id === 'x' && f.payload?.status === 'accepted');
    // A retry from another connection while the run is in flight joins it.
    b.send({ type: 'req', id: 'y', method: 'agent', params: { message: 'once', idempotencyKey: 'dup-1' } });
    const [finalA, finalB] = await Promise.all([
      a.next((f) => f.id === 'x' && f.payload?.status === 'ok'),
      b.next((f) => f.id === 'y' && f.payload?.status === 'ok'),
    ]);
    expect(responses(b, 'y')[0]!.payload).toMatchObject({ runId: 'dup-1', status: 'accepted' });
    expect(finalB.payload).toEqual(finalA.payload);
    // A retry after it finished gets the result at once.
    const late = await a.request('agent', { message: 'once', idempotencyKey: 'dup-1' });
    expect(late.payload).toEqual(finalA.payload);
    expect(provider.requests.length - before).toBe(1);
  });

  it('reports a failed run as a final error response on the same id', async () => {
    provider.script({ kind: 'error', status: 400, message: 'bad things' });
    const s = await client();
    s.send({
      type: 'req',
      id: 'e1',
      method: 'agent',
      params: { message: 'fail please', idempotencyKey: 'err-1', sessionKey: 'agent:main:err' },
    });
    const final = await s.next((f) => f.id === 'e1' && f.ok === false);
    expect(final.payload).toMatchObject({ runId: 'err-1', status: 'error' });
    expect(final.error!.code).toBe('UNAVAILABLE');
    const lifecycle = await s.next(
      (f) => f.event === 'agent' && f.payload.runId === 'err-1' && f.payload.data.phase === 'error',
    );
    expect(lifecycle.payload.data.error).toBeTruthy();
    expect((await s.next((f) => f.event === 'chat' && f.payload.runId === 'err-1')).payload.state).toBe('error');
  });

  it('times a run out with AGENT_TIMEOUT', async () => {
    provider.script({ text: 'never finishes', stallAfterChunks: 1 });
    const s = await client();
    s.send({
      type: 'req',
      id: 't1',
      method: 'agent',
      params: { message: 'slow', idempotencyKey: 'slow-1', sessionKey: 'agent:main:slow', timeout: 1 },
    });
    const final = await s.next((f) => f.id === 't1' && f.ok === false, 5000);
    expect(final.error!.code).toBe('AGENT_TIMEOUT');
    expect(final.payload.status).toBe('error');
  });

  it('rejects an unknown agent and a session key of another agent', async () => {
    const s = await client();
    const unknown = await s.request('agent', { message: 'hi', agentId: 'nobody', idempotencyKey: 'u-1' });
    expect(unknown.error).toMatchObject({ code: 'INVALID_REQUEST', details: { code: 'UNKNOWN_AGENT' } });
    const mismatch = await s.request('agent', {
      message: 'hi',
      agentId: 'main',
      sessionKey: 'agent:beta:x',
      idempotencyKey: 'u-2',
    });
    expect(mismatch.error!.code).toBe('INVALID_REQUEST');
  });

  it('runs chat.send with started / in_flight / ok acks and chat events', async () => {
    const s = await client();
    const params = { sessionKey: 'agent:beta:chat', message: 'hello beta', idempotencyKey: 'chat-1' };
    const first = await s.request('chat.send', params);
    expect(first.payload).toEqual({ runId: 'chat-1', status: 'started' });
    const again = await s.request('chat.send', params);
    expect(again.payload).toEqual({ runId: 'chat-1', status: 'in_flight' });
    const final = await s.next(
      (f) => f.event === 'chat' && f.payload.runId === 'chat-1' && f.payload.state === 'final',
    );
    expect(final.payload).toMatchObject({ sessionKey: 'agent:beta:chat', agentId: 'beta' });
    await s.next((f) => f.event === 'agent' && f.payload.runId === 'chat-1' && f.payload.data.phase === 'end');
    const done = await s.request('chat.send', params);
    expect(done.payload).toEqual({ runId: 'chat-1', status: 'ok' });
  });

  it('chat.abort stops a run started over HTTP', async () => {
    provider.script({ text: Array.from({ length: 200 }, (_, i) => `slow${i}`).join(' '), delayMs: 30 });
    const s = await client();
    const controller = new AbortController();
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'openclaw',
        stream: true,
        user: 'Alice',
        messages: [{ role: 'user', content: 'talk slowly' }],
      }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const started = await s.next(
      (f) =>
        f.event === 'agent' &&
        f.payload.sessionKey === 'agent:main:openai-user:alice' &&
        f.payload.data.phase === 'start',
    );
    const runId: string = started.payload.runId;
    expect(runId).toMatch(/^chatcmpl-/);
    await s.next((f) => f.event === 'agent' && f.payload.runId === runId && f.payload.stream === 'assistant');

    const wrongKey = await s.request('chat.abort', { sessionKey: 'agent:main:someone-else', runId });
    expect(wrongKey.payload).toEqual({ ok: true, aborted: false, runIds: [] });
    const abort = await s.request('chat.abort', { sessionKey: 'agent:main:openai-user:alice', runId });
    expect(abort.payload).toEqual({ ok: true, aborted: true, runIds: [runId] });
    const aborted = await s.next((f) => f.event === 'chat' && f.payload.runId === runId && f.payload.state !== 'delta');
    expect(aborted.payload.state).toBe('aborted');
    const body = await res.text();
    expect(body).toContain('[DONE]');
    expect(body).not.toContain('slow199');
    const wait = await s.request('agent.wait', { runId, timeoutMs: 1000 });
    expect(wait.payload).toMatchObject({ status: 'ok', aborted: true });
    controller.abort();
  });

  it('lists the session of a keyed HTTP call, then resets and deletes it', async () => {
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openclaw', user: 'Bob', messages: [{ role: 'user', content: 'remember me' }] }),
    });
    expect(res.status).toBe(200);
    const s = await client();
    const list = await s.request('sessions.list', {});
    const bob = list.payload.sessions.find((x: any) => x.key === 'agent:main:openai-user:bob');
    expect(bob).toMatchObject({ agentId: 'main', messageCount: 2, active: false });
    expect(list.payload.count).toBe(list.payload.sessions.length);
    expect((await s.request('sessions.list', { search: 'openai-user:bob' })).payload.sessions).toHaveLength(1);
    expect(
      (await s.request('sessions.list', { agentId: 'beta' })).payload.sessions.every((x: any) => x.agentId === 'beta'),
    ).toBe(true);

    const reset = await s.request('sessions.reset', { key: 'agent:main:openai-user:bob' });
    expect(reset.payload).toMatchObject({ ok: true, reset: true });
    expect(reset.payload.sessionId).not.toBe(bob.sessionId);
    expect((await s.request('chat.history', { sessionKey: 'agent:main:openai-user:bob' })).payload.messages).toEqual(
      [],
    );
    const deleted = await s.request('sessions.delete', { key: 'agent:main:openai-user:bob' });
    expect(deleted.payload).toMatchObject({ ok: true, deleted: true });
    const after = await s.request('sessions.list');
    expect(after.payload.sessions.some((x: any) => x.key === 'agent:main:openai-user:bob')).toBe(false);
    expect((await s.request('sessions.delete', { key: 'agent:main:openai-user:bob' })).payload.deleted).toBe(false);
  });

  it('serves health, status, agents.list and models.list', async () => {
    const s = await client();
    const health = (await s.request('health')).payload;
    expect(health).toMatchObject({ ok: true, version: gw.ctx.version, defaultAgentId: 'main' });
    expect(health.agents.map((a: any) => a.agentId)).toEqual(['main', 'beta']);
    const status = (await s.request('status')).payload;
    expect(status.connections).toBeGreaterThanOrEqual(1);
    expect(status.gateway.authMode).toBe('token');
    const agents = (await s.request('agents.list')).payload;
    expect(agents).toMatchObject({
      defaultId: 'main',
      agents: [
        { id: 'main', model: 'fake/m' },
        { id: 'beta', model: 'fake/m' },
      ],
    });
    const models = (await s.request('models.list')).payload;
    expect(models.models).toEqual([{ id: 'm', name: 'm', provider: 'fake', ref: 'fake/m' }]);
  });
});
