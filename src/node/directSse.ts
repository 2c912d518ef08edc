import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { setSseHeaders, sseDataFrame, type SseSink, type SseStreamer } from '../http/sseStream.js';

type Produce = Parameters<SseStreamer>[1];

const DONE = Promise.resolve();

/**
 * Event streams written straight to the Node response. Hono's streamSSE sends every frame
 * through a web TransformStream that @hono/node-server then reads back chunk by chunk; here
 * the route's frames are queued as text and written once per tick, so a burst of deltas that
 * arrived together leaves in one chunk (each still its own `data:` event).
 *
 * The route gets a placeholder response, which the middleware decorate as usual; the edge
 * then calls `send`, which takes the head from that response and starts the producer.
 */
export function createDirectSse(): { streamer: SseStreamer; send(res: Response, outgoing: ServerResponse): boolean } {
  const pending = new WeakMap<Response, Produce>();
  return {
    streamer(c, produce) {
      const bindings = c.env as Partial<HttpBindings> | undefined;
      if (bindings?.outgoing === undefined) throw new Error('direct event streams need the Node server bindings');
      setSseHeaders(c);
      const res = c.newResponse('');
      pending.set(res, produce);
      return res;
    },
    send(res, outgoing) {
      const produce = pending.get(res);
      if (produce === undefined) return false;
      pending.delete(res);
      const headers: Record<string, string | string[]> = {};
      const cookies: string[] = [];
      for (const [name, value] of res.headers) {
        if (name === 'set-cookie') cookies.push(value);
        else headers[name] = value;
      }
      if (cookies.length > 0) headers['set-cookie'] = cookies;
      outgoing.writeHead(res.status, headers);
      void pump(outgoing, produce);
      return true;
    },
  };
}

async function pump(outgoing: ServerResponse, produce: Produce): Promise<void> {
  let aborted = false;
  const abortListeners: Array<() => void> = [];
  let queued = '';
  let flushScheduled = false;
  let drained: Promise<void> | undefined;

  outgoing.once('close', () => {
    if (outgoing.writableFinished) return;
    aborted = true;
    for (const listener of abortListeners) {
      try {
        listener();
      } catch {
        // A listener's failure must not keep the others from hearing of the abort.
      }
    }
  });

  const flush = (): void => {
    flushScheduled = false;
    if (queued === '' || aborted || outgoing.destroyed) return;
    const chunk = queued;
    queued = '';
    outgoing.write(chunk);
  };
  const whenWritable = (): Promise<void> => {
    if (!outgoing.writableNeedDrain || aborted) return DONE;
    drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        outgoing.off('drain', done);
        outgoing.off('close', done);
        drained = undefined;
        resolve();
      };
      outgoing.on('drain', done);
      outgoing.on('close', done);
    });
    return drained;
  };
  const enqueue = (text: string): Promise<void> => {
    if (aborted) return DONE;
    queued += text;
    if (!flushScheduled) {
      flushScheduled = true;
      process.nextTick(flush);
    }
    return whenWritable();
  };

  const sink: SseSink = {
    data: (payload) => enqueue(sseDataFrame(payload)),
    write: enqueue,
    get aborted() {
      return aborted;
    },
    onAbort: (listener) => void abortListeners.push(listener),
  };
  try {
    const produced = produce(sink);
    // The head goes out now, or with the first frame when one was queued at once (one write, not two).
    if (!flushScheduled) outgoing.flushHeaders();
    await produced;
  } catch (err) {
    // As streamSSE without an error handler does.
    console.error(err);
  } finally {
    flush();
    if (!outgoing.destroyed) outgoing.end();
  }
}
