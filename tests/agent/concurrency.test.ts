import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunFailure, type RunEvent, type RunResult } from '../../src/agent/events.js';
import type { RunHandle } from '../../src/agent/runtime.js';
import { deltas, drain, input, startHarness, type Harness } from './runtimeHarness.js';

/** Reads events until one of `type` arrives; the rest stay for `drain`-like readers. */
async function waitFor(
  handle: RunHandle,
  type: RunEvent['type'],
): Promise<{ seen: RunEvent[]; rest: AsyncIterator<RunEvent> }> {
  const it = handle.events[Symbol.asyncIterator]();
  const seen: RunEvent[] = [];
  for (;;) {
    const next = await it.next();
    if (next.done) throw new Error(`run ended before ${type}`);
    seen.push(next.value);
    if (next.value.type === type) return { seen, rest: it };
  }
}

async function rest(it: AsyncIterator<RunEvent>): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for (let next = await it.next(); !next.done; next = await it.next()) events.push(next.value);
  return events;
}

function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  void promise.then(() => (settled = true));
  return () => settled;
}

describe('ordering and parallelism', () => {
  let h: Harness;
  /** How many responses the fake was still writing when each request arrived. */
  let openAtArrival: number[];

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.openai.requests.length = 0;
  });

  function slowEcho(): void {
    openAtArrival = [];
    h.openai.setDefault((body) => {
      openAtArrival.push(h.openai.openResponses);
      return { text: `reply to ${body.messages.at(-1).content}`, delayMs: 15 };
    });
  }

  it('runs on one session key one at a time, in arrival order, each seeing the turns before it', async () => {
    slowEcho();
    const handles = ['first', 'second', 'third'].map((text) =>
      h.runtime.start(input({ sessionKey: 'agent:main:fifo', text })),
    );
    const ends: string[] = [];
    const results = await Promise.all(
      handles.map((handle) =>
        handle.result.then((r) => {
          ends.push(r.text);
          return r;
        }),
      ),
    );
    expect(results.map((r) => r.stopReason)).toEqual(['stop', 'stop', 'stop']);
    expect(ends).toEqual(['reply to first', 'reply to second', 'reply to third']);
    // Never two at once on the fake, and each request carries the stored turns of the runs before it.
    expect(openAtArrival).toEqual([0, 0, 0]);
    expect(h.openai.requests.map((r) => r.body.messages.map((m: any) => m.content))).toEqual([
      ['first'],
      ['first', 'reply to first', 'second'],
      ['first', 'reply to first', 'second', 'reply to second', 'third'],
    ]);
    expect((await h.store.load('agent:main:fifo'))!.messages).toHaveLength(6);
  });

  it('runs different session keys in parallel', async () => {
    slowEcho();
    const handles = ['a', 'b', 'c'].map((k) => h.runtime.start(input({ sessionKey: `agent:main:par-${k}`, text: k })));
    expect([...h.runtime.activeRuns()].map((r) => r.sessionKey).sort()).toEqual([
      'agent:main:par-a',
      'agent:main:par-b',
      'agent:main:par-c',
    ]);
    await Promise.all(handles.map((handle) => handle.result));
    expect(Math.max(...openAtArrival)).toBe(2);
    expect([...h.runtime.activeRuns()]).toEqual([]);
  });

  it('keeps running when a subscriber throws', async () => {
    const off = h.runtime.subscribe(() => {
      throw new Error('listener bug');
    });
    h.openai.setDefault({ text: 'still fine' });
    const { result } = await drain(h.runtime.start(input({ stateless: true })));
    off();
    expect(result.text).toBe('still fine');
    expect(h.logs.some((l) => l.msg === 'run event listener failed')).toBe(true);
  });
});

describe('the global cap and the bounded wait queue', () => {
  let h: Harness;
  const openAtArrival: number[] = [];

  beforeAll(async () => {
    h = await startHarness({ defaults: { maxConcurrent: 1, maxQueued: 1 } });
    h.openai.setDefault((body) => {
      openAtArrival.push(h.openai.openResponses);
      return { text: `slow reply to ${body.messages.at(-1).content}`, delayMs: 20 };
    });
  });
  afterAll(() => h.close());

  function busy(fn: () => unknown): RunFailure {
    try {
      fn();
    } catch (err) {
      if (err instanceof RunFailure) return err;
      throw err;
    }
    throw new Error('expected busy');
  }

  it('queues past maxConcurrent and answers busy once the queue is full', async () => {
    const a = h.runtime.start(input({ sessionKey: 'k-a', text: 'a' }));
    const b = h.runtime.start(input({ sessionKey: 'k-b', text: 'b' }));
    const failure = busy(() => h.runtime.start(input({ sessionKey: 'k-c', text: 'c' })));
    expect(failure.error).toMatchObject({ code: 'busy' });
    expect(failure.error.code === 'busy' && failure.error.retryAfterMs).toBeGreaterThan(0);
    const [ra, rb] = await Promise.all([a.result, b.result]);
    expect(ra.text).toBe('slow reply to a');
    expect(rb.text).toBe('slow reply to b');
    // B only reached the provider once A's response was over.
    expect(h.openai.requests.map((r) => r.body.messages.at(-1).content)).toEqual(['a', 'b']);
    expect(openAtArrival).toEqual([0, 0]);
    // With both done, the slot and the queue place are free again.
    expect((await h.runtime.start(input({ sessionKey: 'k-c', text: 'c' })).result).stopReason).toBe('stop');
  });

  it('counts runs waiting for their session key against the same queue', async () => {
    const first = h.runtime.start(input({ sessionKey: 'k-same', text: '1' }));
    const second = h.runtime.start(input({ sessionKey: 'k-same', text: '2' }));
    expect(busy(() => h.runtime.start(input({ sessionKey: 'k-same', text: '3' }))).error.code).toBe('busy');
    await Promise.all([first.result, second.result]);
  });

  it('lets an aborted queued run leave at once, taking and releasing nothing', async () => {
    h.openai.requests.length = 0;
    const a = h.runtime.start(input({ sessionKey: 'k-q1', text: 'a' }));
    const aDone = settledFlag(a.result);
    const controller = new AbortController();
    const b = h.runtime.start(input({ sessionKey: 'k-q2', text: 'b', signal: controller.signal }));
    controller.abort();
    const { events, result } = await drain(b);
    expect(aDone()).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['lifecycle.start', 'lifecycle.error']);
    expect(result).toMatchObject({ stopReason: 'aborted', error: { code: 'aborted' } });
    // Its queue place is free: a new run is admitted (and waits behind A) instead of busy.
    const c = h.runtime.start(input({ sessionKey: 'k-q3', text: 'c' }));
    expect((await c.result).text).toBe('slow reply to c');
    expect(aDone()).toBe(true);
    expect(h.openai.requests.map((r) => r.body.messages.at(-1).content)).toEqual(['a', 'c']);
    expect(h.store.calls).not.toContain('load k-q2');
  });
});

describe('abort and timeout', () => {
  let h: Harness;
  const longText = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

  beforeAll(async () => {
    h = await startHarness({ agents: [{ id: 'main' }, { id: 'slow', timeoutSeconds: 0.3 }] });
  });
  afterAll(() => h.close());

  it('stops the upstream request at once, emits aborted, stores nothing and frees the session key', async () => {
    h.openai.script({ text: longText, delayMs: 30 });
    const closedBefore = h.openai.closedMidResponse;
    const handle = h.runtime.start(input({ sessionKey: 'agent:main:abort', text: 'doomed' }));
    const { seen, rest: remaining } = await waitFor(handle, 'assistant.delta');
    // A run on the same key waits behind it.
    const next = h.runtime.start(input({ sessionKey: 'agent:main:abort', text: 'after' }));
    const abortedAt = Date.now();
    handle.abort('client went away');
    const events = [...seen, ...(await rest(remaining))];
    const result = await handle.result;
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(events.at(-1)).toMatchObject({
      type: 'lifecycle.error',
      error: { code: 'aborted', message: 'client went away' },
    });
    expect(result.stopReason).toBe('aborted');
    expect(deltas(events).length).toBeLessThan(longText.length);
    await h.openai.waitForClose(closedBefore + 1, 2000);

    const after = await next.result;
    expect(after.stopReason).toBe('stop');
    expect(after.text).toBe('echo: after');
    // The aborted turn left nothing behind: the next run saw no trace of it.
    expect(h.openai.requests.at(-1)!.body.messages.map((m: any) => m.content)).toEqual(['after']);
    expect((await h.store.load('agent:main:abort'))!.messages.map((m) => m.content)).toEqual(['after', 'echo: after']);
  });

  it('aborts through the caller signal and through abortRun', async () => {
    h.openai.script({ text: longText, delayMs: 30 }, { text: longText, delayMs: 30 });
    const controller = new AbortController();
    const one = h.runtime.start(input({ stateless: true, signal: controller.signal }));
    await waitFor(one, 'assistant.delta');
    controller.abort();
    expect(await one.result).toMatchObject({ stopReason: 'aborted', error: { code: 'aborted' } });

    const two = h.runtime.start(input({ stateless: true, runId: 'run-to-abort' }));
    await waitFor(two, 'assistant.delta');
    expect([...h.runtime.activeRuns()].map((r) => r.runId)).toEqual(['run-to-abort']);
    expect(h.runtime.abortRun('run-to-abort', 'operator stop')).toBe(true);
    const result: RunResult = await two.result;
    expect(result).toMatchObject({ stopReason: 'aborted', error: { code: 'aborted', message: 'operator stop' } });
    expect(h.runtime.abortRun('run-to-abort')).toBe(false);
    expect([...h.runtime.activeRuns()]).toEqual([]);
  });

  it('ends a run past the agent timeoutSeconds with a timeout error and closes the upstream request', async () => {
    h.openai.script({ text: longText, stallAfterChunks: 2 });
    const closedBefore = h.openai.closedMidResponse;
    const started = Date.now();
    const { events, result } = await drain(h.runtime.start(input({ agentId: 'slow', sessionKey: 'agent:slow:t' })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(events.at(-1)).toMatchObject({ type: 'lifecycle.error', error: { code: 'timeout' } });
    expect(result.stopReason).toBe('error');
    await h.openai.waitForClose(closedBefore + 1, 2000);
    expect(h.store.calls).not.toContain('appendTurn agent:slow:t');
    // The key is free again.
    expect((await h.runtime.start(input({ agentId: 'slow', sessionKey: 'agent:slow:t' })).result).stopReason).toBe(
      'stop',
    );
  });
});
