import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AdmissionConfig } from '../config/schema.js';
import { shapeError } from '../http/openai/errors.js';
import { SECURITY_HEADERS } from '../http/securityHeaders.js';

/**
 * Admission at the Node edge, the first thing an HTTP request meets (before its body is read and
 * before Hono). Node 20's libuv accepts ONE new connection per event-loop turn (libuv#3696), so
 * when a turn runs every ready request to its first await, a saturated loop turns slowly and new
 * connections wait seconds in the kernel's accept queue while keep-alive clients are served.
 *
 * So request starts get a budget per turn: past it, a request waits in a FIFO drained a budget at a
 * time from `setImmediate`, and the loop comes back to accept() between two slices. A request
 * arriving while that queue's oldest entry has waited over `maxQueueMs`, or while `maxPending`
 * requests have no response head yet, is answered at once with an OpenAI-shaped 503 and
 * `retry-after` instead of joining a queue it would wait seconds in. A stream stops counting as
 * pending once its head is out: it waits on the model, not on this process.
 */
export interface AdmissionOptions {
  config: AdmissionConfig;
  /** Where refusals are counted and the pending and queued requests shown (GatewayMetrics). */
  metrics: { admissionRefusals: number; admissionPending: number; admissionQueued: number };
  /** Clock and deferral; tests drive them by hand. */
  now?: () => number;
  defer?: (run: () => void) => void;
}

export interface Admission {
  wrap(listener: RequestListener): RequestListener;
}

/** Starts per turn run within this much CPU before the rest wait for the next turn. */
export const TURN_BUDGET_MS = 10;

/** Answered at once, never queued nor refused: probes must see a live process under load. */
const EXEMPT = new Set(['/healthz', '/readyz', '/health', '/ready', '/metrics']);

interface Entry {
  req: IncomingMessage;
  res: ServerResponse;
  at: number;
}

export function createAdmission(options: AdmissionOptions): Admission {
  const { config, metrics } = options;
  const now = options.now ?? (() => performance.now());
  const defer = options.defer ?? ((run: () => void) => void setImmediate(run));
  const queue: Entry[] = [];
  let head = 0;
  let turnStart = -1;
  let draining = false;

  const endTurn = (): void => {
    turnStart = -1;
  };

  return {
    wrap(listener) {
      if (!config.enabled) return listener;
      const start = (req: IncomingMessage, res: ServerResponse): void => {
        if (res.destroyed) return;
        listener(req, res);
      };
      const drain = (): void => {
        const sliceStart = now();
        while (head < queue.length && now() - sliceStart < TURN_BUDGET_MS) {
          const entry = queue[head]!;
          queue[head++] = undefined as unknown as Entry;
          metrics.admissionQueued--;
          start(entry.req, entry.res);
        }
        if (head < queue.length) {
          // An immediate queued from the check phase runs in the next turn, after its poll (and accept).
          defer(drain);
          return;
        }
        queue.length = 0;
        head = 0;
        draining = false;
      };
      return (req, res) => {
        const path = req.url === undefined ? '' : req.url.split('?', 1)[0]!;
        if (EXEMPT.has(path)) {
          listener(req, res);
          return;
        }
        const t = now();
        const waiting = queue.length - head;
        if (metrics.admissionPending >= config.maxPending || (waiting > 0 && t - queue[head]!.at > config.maxQueueMs)) {
          metrics.admissionRefusals++;
          refuse(req, res, config.retryAfterMs);
          return;
        }
        countUntilHead(res, () => metrics.admissionPending--);
        metrics.admissionPending++;
        if (waiting === 0 && (turnStart < 0 || t - turnStart < TURN_BUDGET_MS)) {
          if (turnStart < 0) {
            turnStart = t;
            defer(endTurn);
          }
          start(req, res);
          return;
        }
        queue.push({ req, res, at: t });
        metrics.admissionQueued++;
        if (!draining) {
          draining = true;
          defer(drain);
        }
      };
    },
  };
}

/** Calls `settle` once: when the response head is written, or the response closes without one. */
function countUntilHead(res: ServerResponse, settle: () => void): void {
  let settled = false;
  const once = (): void => {
    if (settled) return;
    settled = true;
    settle();
  };
  const writeHead = res.writeHead;
  // node:http's implicit head (a write or end without writeHead) also goes through writeHead.
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    once();
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  res.once('close', once);
}

function refuse(req: IncomingMessage, res: ServerResponse, retryAfterMs: number): void {
  const { status, body, headers } = shapeError({
    kind: 'unavailable',
    message: 'The gateway is over capacity; retry after the delay in the retry-after header.',
    retryAfterMs,
  });
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': crypto.randomUUID(),
    ...SECURITY_HEADERS,
    ...headers,
    // node:http reads and discards an unread body to keep the connection: fine for a small one
    // (a keep-alive client then need not queue for accept() again), not for one of any size.
    ...(req.complete || smallBody(req) ? {} : { connection: 'close' }),
  });
  res.end(text);
}

const SMALL_BODY = 64 * 1024;

function smallBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) <= SMALL_BODY);
}
