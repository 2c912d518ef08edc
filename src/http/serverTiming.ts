/**
 * The gateway's own time so far and, once the run is over, the provider's: a stream sends only
 * its time to headers, as the model has not been called yet.
 */
export function serverTiming(startedAt: number | undefined, providerMs?: number): string {
  const total = startedAt === undefined ? 0 : performance.now() - startedAt;
  if (providerMs === undefined) return `gw;dur=${total.toFixed(2)}`;
  return `gw;dur=${Math.max(0, total - providerMs).toFixed(2)}, provider;dur=${providerMs.toFixed(1)}`;
}
