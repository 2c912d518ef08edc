/**
 * The budget of issue 11, in one place: each line names the figure it judges, the gateway's and the bare
 * proxy's figures beside it, and its limit. Ratios are per round against the proxy cell of the same round,
 * then the median over rounds (see `compare` in benchResults.ts); held-stream ratios are of one run.
 */
import type { BenchResults, BudgetLine, CellSummary, Comparison } from './benchResults.js';
import type { HeldStreamsResult } from './heldStreams.js';
import { median } from './stats.js';

export type BudgetFigures = Pick<
  BenchResults,
  | 'summary'
  | 'comparisons'
  | 'proxyComparisons'
  | 'startup'
  | 'proxyStartup'
  | 'memory'
  | 'proxyMemory'
  | 'gatewayError'
>;

/** The limits. Ratios are gateway / bare proxy unless said. */
export const BUDGET = {
  cpuVsProxy: 2.5,
  throughputVsProxy: 0.5,
  /** Beyond issue 11: shown on the throughput lines as information, not judged. */
  throughputGoal: 0.8,
  addedP50Ms: 0.5,
  addedP99Ms: 2,
  addedTtftP50Ms: 0.5,
  heldTtftP50VsProxy: 1.5,
  heldWorstGapP99VsProxy: 1.5,
  idleRssMB: 70,
  heldPeakRssMB: 200,
  /** The stream count the peak-RSS limit is written for. */
  heldStreams: 1000,
  startupMs: 300,
  userKeyedCpuVsStateless: 1.3,
} as const;

interface Judged {
  line: string;
  gateway: number | undefined;
  proxy: number | undefined;
  figureUnit: string;
  measured: number | undefined;
  op: '<=' | '>=';
  limit: number;
  unit: string;
  /** Why the line cannot pass whatever its value (e.g. held streams that failed). */
  spoiled?: string;
  note?: string;
}

function verdict(j: Judged): BudgetLine {
  const measured = j.measured ?? NaN;
  const within = j.op === '<=' ? measured <= j.limit : measured >= j.limit;
  const line: BudgetLine = {
    line: j.line,
    gateway: j.gateway ?? NaN,
    proxy: j.proxy ?? NaN,
    figureUnit: j.figureUnit,
    measured,
    op: j.op,
    limit: j.limit,
    unit: j.unit,
    pass: Number.isFinite(measured) && within && !j.spoiled,
  };
  const note = [j.spoiled, j.note].filter(Boolean).join('; ');
  if (note) line.note = note;
  return line;
}

const findCell = <T extends { target: string; stream: boolean; concurrency: number }>(
  cells: T[],
  target: string,
  stream: boolean,
  concurrency: number,
): T | undefined => cells.find((c) => c.target === target && c.stream === stream && c.concurrency === concurrency);

const mode = (stream: boolean): string => (stream ? 'streaming' : 'non-streaming');

/** Why a held-streams figure cannot be judged: failed streams through the gateway or the proxy. */
function heldFailures(gateway?: HeldStreamsResult, proxy?: HeldStreamsResult): string | undefined {
  const parts: string[] = [];
  if (gateway && gateway.failures > 0) parts.push(`gateway: ${gateway.failures}/${gateway.streams} failed`);
  if (proxy && proxy.failures > 0) parts.push(`proxy: ${proxy.failures}/${proxy.streams} failed, reference incomplete`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : a / b;

export function checkBudget(figures: BudgetFigures, level = 64): BudgetLine[] {
  const lines: Judged[] = [];
  const summary = (target: string, stream: boolean, c: number): CellSummary | undefined =>
    findCell(figures.summary, target, stream, c);
  const gatewayCmp = (target: string, stream: boolean, c: number): Comparison | undefined =>
    findCell(figures.comparisons, target, stream, c);
  const proxyCmp = (stream: boolean, c: number): Comparison | undefined =>
    findCell(figures.proxyComparisons, 'proxy', stream, c);

  for (const stream of [false, true]) {
    lines.push({
      line: `CPU per request, c=${level}, ${mode(stream)}`,
      gateway: summary('gateway', stream, level)?.serverCpuMs,
      proxy: summary('proxy', stream, level)?.serverCpuMs,
      figureUnit: 'ms',
      measured: gatewayCmp('gateway', stream, level)?.cpuVsProxy,
      op: '<=',
      limit: BUDGET.cpuVsProxy,
      unit: 'x',
    });
  }
  for (const stream of [false, true]) {
    const vsProxy = gatewayCmp('gateway', stream, level)?.vsProxy;
    lines.push({
      line: `throughput, c=${level}, ${mode(stream)}`,
      gateway: summary('gateway', stream, level)?.rps,
      proxy: summary('proxy', stream, level)?.rps,
      figureUnit: 'req/s',
      measured: vsProxy,
      op: '>=',
      limit: BUDGET.throughputVsProxy,
      unit: 'x',
      note: `goal ${BUDGET.throughputGoal}x: ${vsProxy !== undefined && vsProxy >= BUDGET.throughputGoal ? 'PASS' : 'MISS'}`,
    });
  }
  const json1 = gatewayCmp('gateway', false, 1);
  const stream1 = gatewayCmp('gateway', true, 1);
  lines.push(
    {
      line: 'added latency over the floor, c=1, non-streaming, p50',
      gateway: json1?.addedP50,
      proxy: proxyCmp(false, 1)?.addedP50,
      figureUnit: 'ms',
      measured: json1?.addedP50,
      op: '<=',
      limit: BUDGET.addedP50Ms,
      unit: 'ms',
    },
    {
      line: 'added latency over the floor, c=1, non-streaming, p99',
      gateway: json1?.addedP99,
      proxy: proxyCmp(false, 1)?.addedP99,
      figureUnit: 'ms',
      measured: json1?.addedP99,
      op: '<=',
      limit: BUDGET.addedP99Ms,
      unit: 'ms',
    },
    {
      line: 'added time to first token over the floor, c=1, p50',
      gateway: stream1?.addedTtftP50,
      proxy: proxyCmp(true, 1)?.addedTtftP50,
      figureUnit: 'ms',
      measured: stream1?.addedTtftP50,
      op: '<=',
      limit: BUDGET.addedTtftP50Ms,
      unit: 'ms',
    },
  );

  const held = figures.memory;
  const proxyHeld = figures.proxyMemory;
  const count = held?.streams ?? proxyHeld?.streams;
  const opened = `${count ?? 'N'} streams opened together`;
  const failures = heldFailures(held, proxyHeld);
  lines.push(
    {
      line: `${opened}: all complete`,
      gateway: held?.completed,
      proxy: proxyHeld?.completed,
      figureUnit: 'completed',
      measured: held?.failures,
      op: '<=',
      limit: 0,
      unit: 'failed',
      ...(held?.firstError ? { note: `first error: ${held.firstError}` } : {}),
    },
    {
      line: `${opened}: first-token p50`,
      gateway: held?.ttft.p50,
      proxy: proxyHeld?.ttft.p50,
      figureUnit: 'ms',
      measured: ratio(held?.ttft.p50, proxyHeld?.ttft.p50),
      op: '<=',
      limit: BUDGET.heldTtftP50VsProxy,
      unit: 'x',
      ...(failures ? { spoiled: failures } : {}),
    },
    {
      line: `${opened}: worst token gap p99`,
      gateway: held?.worstGap.p99,
      proxy: proxyHeld?.worstGap.p99,
      figureUnit: 'ms',
      measured: ratio(held?.worstGap.p99, proxyHeld?.worstGap.p99),
      op: '<=',
      limit: BUDGET.heldWorstGapP99VsProxy,
      unit: 'x',
      ...(failures ? { spoiled: failures } : {}),
      ...(held && proxyHeld
        ? {
            note: `all gaps pooled, p99: gateway ${held.gap.p99.toFixed(1)} ms, proxy ${proxyHeld.gap.p99.toFixed(1)} ms`,
          }
        : {}),
    },
  );

  const idle = (samples: BenchResults['startup']): number | undefined =>
    samples.length > 0 ? median(samples.map((s) => s.idleRssMB)) : undefined;
  const firstCompletion = (samples: BenchResults['startup']): number | undefined =>
    samples.length > 0 ? median(samples.map((s) => s.firstCompletionMs)) : undefined;
  lines.push(
    {
      line: 'idle RSS after start',
      gateway: idle(figures.startup),
      proxy: idle(figures.proxyStartup),
      figureUnit: 'MB',
      measured: idle(figures.startup),
      op: '<=',
      limit: BUDGET.idleRssMB,
      unit: 'MB',
    },
    {
      line: `${count ?? 'N'} open streams, peak RSS`,
      gateway: held?.peakRssMB,
      proxy: proxyHeld?.peakRssMB,
      figureUnit: 'MB',
      measured: held?.peakRssMB,
      op: '<=',
      limit: BUDGET.heldPeakRssMB,
      unit: 'MB',
      ...(held && held.failures > 0 ? { spoiled: `gateway: ${held.failures}/${held.streams} failed` } : {}),
      ...(count !== undefined && count !== BUDGET.heldStreams
        ? { note: `the limit is for ${BUDGET.heldStreams} streams; this run held ${count}` }
        : {}),
    },
    {
      line: 'start-up: spawn to first completion',
      gateway: firstCompletion(figures.startup),
      proxy: firstCompletion(figures.proxyStartup),
      figureUnit: 'ms',
      measured: firstCompletion(figures.startup),
      op: '<=',
      limit: BUDGET.startupMs,
      unit: 'ms',
    },
  );

  for (const stream of [false, true]) {
    const stateless = summary('gateway', stream, level)?.serverCpuMs;
    lines.push({
      line: `user-keyed CPU per request x stateless gateway, c=${level}, ${mode(stream)}`,
      gateway: summary('gateway-user', stream, level)?.serverCpuMs,
      proxy: summary('proxy', stream, level)?.serverCpuMs,
      figureUnit: 'ms',
      measured: gatewayCmp('gateway-user', stream, level)?.cpuVsStateless,
      op: '<=',
      limit: BUDGET.userKeyedCpuVsStateless,
      unit: 'x',
      ...(stateless !== undefined ? { note: `stateless ${stateless.toFixed(3)} ms` } : {}),
    });
  }

  const budget = lines.map(verdict);
  if (figures.gatewayError) {
    const cause = `gateway unavailable: ${figures.gatewayError.split('\n')[0]}`;
    for (const line of budget) if (!line.pass) line.note = line.note ? `${cause}; ${line.note}` : cause;
  }
  return budget;
}
