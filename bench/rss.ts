/** Resident memory of a process from /proc/<pid>/status (Linux), in MB (MiB). */
import { readFileSync } from 'node:fs';

export interface Rss {
  /** Resident now. */
  rssMB: number;
  /** The process's peak resident size so far (VmHWM). */
  peakMB: number;
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

export function readRss(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMB: field(status, 'VmRSS'), peakMB: field(status, 'VmHWM') };
}

/** Samples VmRSS every `everyMs` until stopped; returns the highest sample. */
export function sampleRss(pid: number, everyMs: number): { stop(): number } {
  let peak = 0;
  const take = (): void => {
    try {
      peak = Math.max(peak, readRss(pid).rssMB);
    } catch {
      // The process is gone; the caller reports that through its own failures.
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}
