import type { SseSink } from './sseStream.js';

export interface SseKeepalive {
  /** Notes that something was just written. */
  touch(): void;
  stop(): void;
}

/**
 * Writes a `: keepalive` comment line whenever nothing was written for `intervalMs`:
 * SDKs skip comment lines, unlike an empty event, which they would try to parse.
 */
export function sseKeepalive(sink: SseSink, intervalMs: number): SseKeepalive {
  let lastWrite = Date.now();
  const timer = setInterval(
    () => {
      if (Date.now() - lastWrite < intervalMs) return;
      lastWrite = Date.now();
      void sink.write(': keepalive\n\n');
    },
    Math.min(intervalMs, 1000),
  );
  return {
    touch: () => {
      lastWrite = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}
