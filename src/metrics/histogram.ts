/**
 * A Prometheus-style histogram kept as plain numbers: observing is a bucket search and three
 * additions, with no label hashing or allocation. The exporter turns it into cumulative buckets.
 */
export class Histogram {
  /** Per-bucket counts (not cumulative); the last slot counts values above every bound (+Inf). */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** Seconds, fine enough at the bottom to tell 0.05 ms from 0.1 ms of gateway time. */
export const ADDED_TIME_BUCKETS = [
  0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
] as const;

/** Seconds, for a model's first token and its whole answer. */
export const PROVIDER_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] as const;
