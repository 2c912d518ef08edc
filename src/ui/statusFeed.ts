import type { GatewayClient } from './gatewayClient.js';
import type { StatusResult } from './protocol.js';

export interface StatusSample {
  at: number;
  activeRuns: number;
  clients: number;
  /** Requests per minute, when the gateway's `status` reports it. */
  requestsPerMinute?: number;
}

const EVERY_MS = 5000;
/** Ten minutes of samples. */
const KEEP = 120;

/**
 * Requests per minute from `status` (issue 13's live figures). Optional on purpose: a page served by an
 * older gateway, or talking to one through a proxy, charts active runs alone.
 */
export function requestsPerMinute(status: StatusResult): number | undefined {
  const rpm = (status as Partial<StatusResult>).load?.requestsPerMinute;
  return typeof rpm === 'number' && Number.isFinite(rpm) ? rpm : undefined;
}

function countOf(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  return typeof v === 'number' ? v : 0;
}

/** Polls `status` while connected and the tab is visible, keeping the last minutes for the chart. */
export class StatusFeed {
  latest: StatusResult | undefined;
  readonly samples: StatusSample[] = [];
  error: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly client: () => GatewayClient,
    private readonly changed: () => void,
  ) {}

  start(): void {
    this.stop();
    void this.poll();
    this.timer = setInterval(() => {
      if (document.visibilityState === 'visible') void this.poll();
    }, EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async poll(): Promise<void> {
    try {
      const status = await this.client().request('status', {});
      this.latest = status;
      this.error = undefined;
      const rpm = requestsPerMinute(status);
      this.samples.push({
        at: Date.now(),
        activeRuns: countOf(status.activeRuns),
        clients: countOf(status.connections),
        ...(rpm !== undefined ? { requestsPerMinute: rpm } : {}),
      });
      if (this.samples.length > KEEP) this.samples.splice(0, this.samples.length - KEEP);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
    this.changed();
  }
}
