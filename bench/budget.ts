/** The budget of issue 7, checked against one run's figures. */
import type { BenchResults, BudgetLine, Comparison } from './benchResults.js';
import { median } from './stats.js';

type Figures = Pick<BenchResults, 'comparisons' | 'startup' | 'memory' | 'gatewayError'>;

function find(comparisons: Comparison[], target: string, stream: boolean, concurrency: number): Comparison | undefined {
  return comparisons.find((c) => c.target === target && c.stream === stream && c.concurrency === concurrency);
}

const atMost = (line: string, measured: number | undefined, limit: number, unit: string, note?: string): BudgetLine => {
  const value = measured ?? NaN;
  const budget: BudgetLine = { line, measured: value, limit, unit, pass: Number.isFinite(value) && value <= limit };
  if (note) budget.note = note;
  return budget;
};

const atLeast = (line: string, measured: number | undefined, limit: number, unit: string): BudgetLine => {
  const value = measured ?? NaN;
  return { line, measured: value, limit, unit, pass: Number.isFinite(value) && value >= limit };
};

export function checkBudget(figures: Figures, throughputLevel = 64): BudgetLine[] {
  const lines: BudgetLine[] = [];
  for (const [target, label] of [
    ['gateway', 'stateless'],
    ['gateway-user', 'user-keyed'],
  ] as const) {
    const json1 = find(figures.comparisons, target, false, 1);
    const stream1 = find(figures.comparisons, target, true, 1);
    const jsonHigh = find(figures.comparisons, target, false, throughputLevel);
    const streamHigh = find(figures.comparisons, target, true, throughputLevel);
    lines.push(
      atMost(`added latency over floor, non-streaming, c=1, p50 [${label}]`, json1?.addedP50, 1, 'ms'),
      atMost(`added latency over floor, non-streaming, c=1, p99 [${label}]`, json1?.addedP99, 3, 'ms'),
      atMost(`added time to first token over floor, streaming, c=1, p50 [${label}]`, stream1?.addedTtftP50, 1, 'ms'),
      atLeast(`throughput c=${throughputLevel} vs bare proxy, non-streaming [${label}]`, jsonHigh?.vsProxy, 0.8, 'x'),
      atLeast(`throughput c=${throughputLevel} vs bare proxy, streaming [${label}]`, streamHigh?.vsProxy, 0.8, 'x'),
    );
  }
  lines.push(atMost('idle RSS after start', median(figures.startup.map((s) => s.idleRssMB)), 80, 'MB'));
  const memory = figures.memory;
  const held = memory ? `${memory.streams} open streams, peak RSS` : 'open streams, peak RSS';
  const heldLine = atMost(
    held,
    memory?.peakRssMB,
    300,
    'MB',
    memory
      ? `${memory.completed}/${memory.streams} completed, ${memory.failures} failed, ${memory.providerPeakOpen} open at once at the provider${memory.firstError ? `; first error: ${memory.firstError}` : ''}`
      : undefined,
  );
  // Every stream must complete for the memory figure to count.
  if (memory && memory.failures > 0) heldLine.pass = false;
  lines.push(heldLine);
  lines.push(
    atMost('start-up: spawn to first completion', median(figures.startup.map((s) => s.firstCompletionMs)), 500, 'ms'),
  );
  if (figures.gatewayError)
    for (const line of lines) line.note ??= `gateway unavailable: ${figures.gatewayError.split('\n')[0]}`;
  return lines;
}
