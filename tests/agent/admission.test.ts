import { describe, expect, it } from 'vitest';
import { Admission, type Permit } from '../../src/agent/admission.js';
import { EventStream } from '../../src/agent/eventStream.js';
import { RunFailure } from '../../src/agent/events.js';
import { SessionQueue } from '../../src/agent/sessionQueue.js';

const never = new AbortController().signal;
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SessionQueue', () => {
  it('hands one key to waiters in arrival order and lets an aborted waiter leave', async () => {
    const queue = new SessionQueue();
    const order: string[] = [];
    const first = queue.tryLock('k')!;
    expect(queue.tryLock('k')).toBeUndefined();
    const leaving = new AbortController();
    const noted =
      <T>(name: string) =>
      (value: T): T => {
        order.push(name);
        return value;
      };
    const b = queue.lock('k', never).then(noted('b'));
    const gone = queue.lock('k', leaving.signal).catch(noted<unknown>('gone'));
    const c = queue.lock('k', never).then(noted('c'));
    leaving.abort('bye');
    expect(await gone).toBe('bye');
    first.release();
    first.release(); // idempotent: must not hand the key out twice
    (await b).release();
    (await c).release();
    expect(order).toEqual(['gone', 'b', 'c']);
    expect(queue.size).toBe(0);
    expect(queue.tryLock('other')).toBeDefined();
  });
});

describe('Admission', () => {
  it('admits at once under the cap, queues past it, and answers busy when the queue is full', async () => {
    const admission = new Admission({ maxConcurrent: 2, maxQueued: 1, retryAfterMs: 250 });
    const a = await admission.admit('a', never);
    const b = await admission.admit('b', never);
    expect(admission.running).toBe(2);
    let cPermit: Permit | undefined;
    const c = admission.admit('c', never).then((p) => (cPermit = p));
    expect(admission.waiting).toBe(1);
    let failure: unknown;
    try {
      void admission.admit('d', never);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(RunFailure);
    expect((failure as RunFailure).error).toEqual(expect.objectContaining({ code: 'busy', retryAfterMs: 250 }));
    // The refused run gave its session key back.
    expect(admission.sessions.isHeld('d')).toBe(false);
    await tick();
    expect(cPermit).toBeUndefined();
    a.release();
    await c;
    expect(admission.running).toBe(2);
    expect(admission.waiting).toBe(0);
    b.release();
    cPermit!.release();
    cPermit!.release();
    expect(admission.running).toBe(0);
  });

  it('frees the queue place and the session key of a run aborted while waiting for a slot', async () => {
    const admission = new Admission({ maxConcurrent: 1, maxQueued: 1 });
    const a = await admission.admit('a', never);
    const controller = new AbortController();
    const waiting = admission.admit('b', controller.signal);
    expect(admission.sessions.isHeld('b')).toBe(true);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(admission.waiting).toBe(0);
    expect(admission.sessions.isHeld('b')).toBe(false);
    expect(admission.running).toBe(1);
    a.release();
    expect(admission.running).toBe(0);
  });

  it('with maxQueued 0 admits only runs that can start at once', async () => {
    const admission = new Admission({ maxConcurrent: 1, maxQueued: 0 });
    const a = await admission.admit('a', never);
    expect(() => admission.admit('b', never)).toThrow(RunFailure);
    a.release();
    (await admission.admit('b', never)).release();
  });
});

describe('EventStream', () => {
  it('hands items to a parked consumer, buffers ahead of it, and ends after draining', async () => {
    const stream = new EventStream<number>();
    stream.push(1);
    const it = stream[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    const parked = it.next();
    stream.push(2);
    expect(await parked).toEqual({ value: 2, done: false });
    stream.push(3);
    stream.end();
    stream.push(4);
    expect(await it.next()).toEqual({ value: 3, done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(() => stream[Symbol.asyncIterator]()).toThrow('single consumer');
  });

  it('drops what it holds when the consumer stops early', async () => {
    const stream = new EventStream<number>();
    stream.push(1);
    stream.push(2);
    const seen: number[] = [];
    for await (const n of stream) {
      seen.push(n);
      break;
    }
    stream.push(3);
    expect(seen).toEqual([1]);
  });
});
