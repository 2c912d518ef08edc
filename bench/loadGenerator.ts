/**
 * Closed-loop load over keep-alive connections (undici Pool): `concurrency` workers each send a
 * request, wait for the whole answer, and send the next, for a warm-up and then a measured window.
 * Throughput counts the requests that finish inside the window; latency, those sent inside it.
 */
import { Pool, type Dispatcher } from 'undici';

type Controller = Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestStart']>>[0];
import { readCpuMs } from './cpuTime.js';
import { SseTiming } from './sseTiming.js';
import { percentiles, type Percentiles } from './stats.js';

export interface Target {
  name: string;
  origin: string;
  /** The JSON body of request number `seq`. */
  body(stream: boolean, seq: number): string;
  headers: Record<string, string>;
  /** The process serving this target (not the fake behind it), to charge CPU time to. */
  pid?: number;
}

export interface Outcome {
  ok: boolean;
  error?: string;
  startedAt: number;
  endedAt: number;
  /** When the status line arrived; -1 if it never did. */
  headersAt: number;
  /** -1 when not streamed or no content arrived. */
  firstContentAt: number;
  contentTokens: number;
  gaps: number[];
}

export interface LoadSpec {
  stream: boolean;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Content tokens a complete reply carries; fewer counts as a failure. */
  expectTokens: number;
  /** The longest the warm-up waits for every connection, and requests may run past the window. */
  drainLimitMs: number;
}

export interface CellResult {
  target: string;
  stream: boolean;
  concurrency: number;
  requests: number;
  failures: number;
  /** Requests cut because they were still unanswered drainLimitMs after the window. */
  stalled: number;
  firstError?: string;
  rps: number;
  latency: Percentiles;
  ttft?: Percentiles;
  gap?: Percentiles;
  /** CPU ms per request spent by the target's own process, and by the load generator. */
  serverCpuMs: number;
  clientCpuMs: number;
  /** Wall time of the whole cell: warm-up, window and the drain of requests in flight. */
  elapsedMs: number;
  /** The slowest request of the cell, warm-up included: total and to its response headers, ms. */
  slowestMs: number;
  slowestHeadersMs: number;
}

const PATH = '/v1/chat/completions';

export function openPool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
}

/**
 * Sends one chat completion and resolves when its answer has fully arrived (or failed).
 * While it is in flight its controller sits in `inFlight`, so the caller can abort it.
 */
export function send(
  pool: Dispatcher,
  target: Target,
  stream: boolean,
  seq: number,
  expectTokens: number,
  inFlight?: Set<Controller>,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let status = 0;
    let headersAt = -1;
    const sse = stream ? new SseTiming() : undefined;
    const parts: Buffer[] = [];
    let controller: Controller | undefined;
    const finish = (error: string | undefined): void => {
      const endedAt = performance.now();
      if (controller) inFlight?.delete(controller);
      if (!error && status !== 200) error = `HTTP ${status}: ${Buffer.concat(parts).toString('utf8').slice(0, 200)}`;
      if (!error && sse) {
        if (sse.error) error = `stream error: ${sse.error}`;
        else if (!sse.done) error = 'stream ended without [DONE]';
        else if (sse.contentTokens < expectTokens)
          error = `stream carried ${sse.contentTokens}/${expectTokens} content deltas`;
      }
      if (!error && !sse) {
        try {
          const content = JSON.parse(Buffer.concat(parts).toString('utf8'))?.choices?.[0]?.message?.content;
          if (typeof content !== 'string' || content.length === 0) error = 'reply without content';
        } catch {
          error = 'unparseable JSON reply';
        }
      }
      resolve({
        ok: error === undefined,
        error,
        startedAt,
        endedAt,
        headersAt,
        firstContentAt: sse?.firstContentAt ?? -1,
        contentTokens: sse?.contentTokens ?? 0,
        gaps: sse?.gaps ?? [],
      });
    };
    pool.dispatch(
      { path: PATH, method: 'POST', headers: target.headers, body: target.body(stream, seq) },
      {
        // undici treats a handler as the v7 kind only when it has onRequestStart.
        onRequestStart(started) {
          controller = started;
          inFlight?.add(started);
        },
        onResponseStart(_controller, statusCode) {
          status = statusCode;
          headersAt = performance.now();
        },
        onResponseData(_controller, chunk) {
          if (sse && status === 200) sse.feed(chunk, performance.now());
          else parts.push(chunk);
        },
        onResponseEnd() {
          finish(undefined);
        },
        onResponseError(_controller, error) {
          finish(error.message || String(error));
        },
      },
    );
  });
}

let sequence = 0;

export async function runLoad(pool: Dispatcher, target: Target, spec: LoadSpec): Promise<CellResult> {
  const cellStart = performance.now();
  const warmupEnd = cellStart + spec.warmupMs;
  // The window opens once every worker has finished one request (so connection set-up on both
  // sides of the target is behind us) and the warm-up time has passed.
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let warmedWorkers = 0;
  const latency: number[] = [];
  const ttft: number[] = [];
  const gaps: number[] = [];
  let requests = 0;
  let failures = 0;
  let firstError: string | undefined;
  let finished = 0;
  let slowest: Outcome = {
    ok: true,
    startedAt: 0,
    endedAt: 0,
    headersAt: 0,
    firstContentAt: -1,
    contentTokens: 0,
    gaps: [],
  };
  const serverCpuBefore = target.pid ? readCpuMs(target.pid) : NaN;
  const clientCpuBefore = process.cpuUsage();

  const inFlight = new Set<Controller>();
  let stalled = 0;
  let drainTimer: NodeJS.Timeout | undefined;
  const openWindow = (): void => {
    if (windowStart !== Infinity) return;
    windowStart = Math.max(performance.now(), warmupEnd);
    windowEnd = windowStart + spec.durationMs;
    // Requests still unanswered this long after the window are cut, so one stuck request
    // cannot hold the whole bench; they are reported as stalled.
    drainTimer = setTimeout(
      () => {
        stalled = inFlight.size;
        for (const c of inFlight) c.abort(new Error('stalled past the end of the cell'));
      },
      windowEnd - performance.now() + spec.drainLimitMs,
    );
  };
  const warmupCap = setTimeout(openWindow, spec.warmupMs + spec.drainLimitMs);

  const worker = async (): Promise<void> => {
    let warmed = false;
    while (performance.now() < windowEnd) {
      const outcome = await send(pool, target, spec.stream, sequence++, spec.expectTokens, inFlight);
      finished++;
      if (outcome.endedAt - outcome.startedAt > slowest.endedAt - slowest.startedAt) slowest = outcome;
      if (!warmed) {
        warmed = true;
        if (++warmedWorkers === spec.concurrency) openWindow();
      }
      const completedInWindow = outcome.endedAt >= windowStart && outcome.endedAt <= windowEnd;
      if (!outcome.ok) {
        if (completedInWindow) failures++;
        firstError ??= outcome.error;
        // A refused or failing target must not turn the worker into a busy loop.
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      if (completedInWindow) requests++;
      // Latency only of requests sent inside the window, including those it ends before they finish.
      if (outcome.startedAt < windowStart) continue;
      latency.push(outcome.endedAt - outcome.startedAt);
      if (spec.stream && outcome.firstContentAt >= 0) {
        ttft.push(outcome.firstContentAt - outcome.startedAt);
        for (const gap of outcome.gaps) gaps.push(gap);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  clearTimeout(warmupCap);
  clearTimeout(drainTimer);
  const serverCpu = target.pid ? readCpuMs(target.pid) - serverCpuBefore : NaN;
  const clientCpu = process.cpuUsage(clientCpuBefore);

  const result: CellResult = {
    target: target.name,
    stream: spec.stream,
    concurrency: spec.concurrency,
    requests,
    failures,
    stalled,
    rps: requests / (spec.durationMs / 1000),
    latency: percentiles(latency),
    serverCpuMs: serverCpu / finished,
    clientCpuMs: (clientCpu.user + clientCpu.system) / 1000 / finished,
    elapsedMs: performance.now() - cellStart,
    slowestMs: slowest.endedAt - slowest.startedAt,
    slowestHeadersMs: slowest.headersAt < 0 ? NaN : slowest.headersAt - slowest.startedAt,
  };
  if (firstError) result.firstError = firstError;
  if (spec.stream) {
    result.ttft = percentiles(ttft);
    result.gap = percentiles(gaps);
  }
  return result;
}
