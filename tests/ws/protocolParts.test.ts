import { describe, expect, it } from 'vitest';
import type { RunEvent, RunResult } from '../../src/agent/events.js';
import { ZERO_USAGE } from '../../src/messages.js';
import { runErrorShape } from '../../src/ws/agentReply.js';
import { closeReason } from '../../src/ws/errorCodes.js';
import { negotiateProtocol } from '../../src/ws/handshake.js';
import { IdempotencyCache } from '../../src/ws/idempotencyCache.js';
import { RunEventPayloads, type RunBroadcast } from '../../src/ws/runEventPayloads.js';

describe('runErrorShape', () => {
  it("passes on the run error's own retryability, never deciding it again", () => {
    const provider = (retryable: boolean, status?: number) =>
      runErrorShape({ code: 'provider', message: 'm', status, afterFirstToken: false, retryable });
    expect(provider(true, 503)).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { status: 503 } });
    // A status that would look retryable says nothing once the run has decided otherwise.
    expect(provider(false, 503).retryable).toBe(false);
    expect(provider(false).retryable).toBe(false);
  });
});

describe('negotiateProtocol', () => {
  it('picks the highest common version and refuses disjoint ranges', () => {
    expect(negotiateProtocol(3, 4)).toBe(4);
    expect(negotiateProtocol(3, 3)).toBe(3);
    expect(negotiateProtocol(4, 9)).toBe(4);
    expect(negotiateProtocol(1, 3)).toBe(3);
    expect(negotiateProtocol(1, 2)).toBeUndefined();
    expect(negotiateProtocol(5, 6)).toBeUndefined();
  });
});

describe('IdempotencyCache', () => {
  it('forgets entries after the TTL and beyond the size cap, oldest first', () => {
    let now = 0;
    const cache = new IdempotencyCache<number>(1000, 2, () => now);
    cache.set('a', 1);
    now = 10;
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    now = 500;
    cache.set('c', 3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    now = 1011;
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBe(3);
    now = 2000;
    expect(cache.get('c')).toBeUndefined();
  });
});

describe('closeReason', () => {
  it('fits the 123-byte limit without splitting a character', () => {
    expect(closeReason('short')).toBe('short');
    const long = closeReason('é'.repeat(100));
    expect(new TextEncoder().encode(long).byteLength).toBeLessThanOrEqual(123);
    expect(long).toBe('é'.repeat(61));
  });
});

describe('RunEventPayloads', () => {
  const base = { runId: 'r1', sessionKey: 'agent:main:x' };
  let seq = 0;
  const ev = (body: Record<string, unknown>): RunEvent =>
    ({ ...base, seq: ++seq, ts: 1000 + seq, ...body }) as RunEvent;
  const result = (text: string): RunResult => ({
    runId: 'r1',
    sessionKey: 'agent:main:x',
    agentId: 'main',
    model: 'fake/m',
    text,
    toolCalls: [],
    providerMs: 0,
    usage: ZERO_USAGE,
    stopReason: 'stop',
    startedAt: 1,
    endedAt: 2,
  });

  it('sends the first delta at once, coalesces the rest, and flushes before the end', () => {
    seq = 0;
    const out: RunBroadcast[] = [];
    const payloads = new RunEventPayloads((b) => out.push(b), 60_000);
    payloads.handle(ev({ type: 'lifecycle.start', agentId: 'main' }));
    payloads.handle(ev({ type: 'assistant.delta', delta: 'a' }));
    payloads.handle(ev({ type: 'assistant.delta', delta: 'b' }));
    payloads.handle(ev({ type: 'assistant.delta', delta: 'c' }));
    payloads.handle(ev({ type: 'lifecycle.end', result: result('abc') }));

    const agent = out.filter((b) => b.event === 'agent').map((b) => b.payload as any);
    expect(agent.map((p) => [p.stream, p.data.phase ?? p.data.delta])).toEqual([
      ['lifecycle', 'start'],
      ['assistant', 'a'],
      ['assistant', 'bc'],
      ['lifecycle', 'end'],
    ]);
    expect(agent[2].data.text).toBe('abc');
    expect(agent[2].seq).toBe(4);
    expect(agent.every((p) => p.agentId === 'main')).toBe(true);
    const chat = out.filter((b) => b.event === 'chat').map((b) => b.payload as any);
    expect(chat.map((p) => p.state)).toEqual(['delta', 'delta', 'final']);
    expect(chat[2].message.content[0].text).toBe('abc');
    expect(payloads.activeRuns).toBe(0);
  });

  it('reports an aborted run as aborted, not as an error', () => {
    seq = 0;
    const out: RunBroadcast[] = [];
    const payloads = new RunEventPayloads((b) => out.push(b));
    payloads.handle(ev({ type: 'lifecycle.start', agentId: 'main' }));
    const aborted = {
      ...result(''),
      stopReason: 'aborted' as const,
      error: { code: 'aborted' as const, message: 'chat.abort' },
    };
    payloads.handle(ev({ type: 'lifecycle.error', error: aborted.error, result: aborted }));
    expect(out.map((b) => (b.event === 'chat' ? b.payload.state : (b.payload.data as any).phase))).toEqual([
      'start',
      'end',
      'aborted',
    ]);
  });
});
