import { networkInterfaces } from 'node:os';

/** The machine's interface addresses, read at most once per `maxAgeMs` (the host check asks on every unknown IP). */
export function localAddresses(maxAgeMs = 5_000): () => readonly string[] {
  let addresses: string[] = [];
  let readAt = Number.NEGATIVE_INFINITY;
  return () => {
    const now = Date.now();
    if (now - readAt >= maxAgeMs) {
      readAt = now;
      addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
    }
    return addresses;
  };
}
