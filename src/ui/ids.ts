/**
 * Random ids for idempotency keys and new session keys. `crypto.randomUUID` exists only in secure
 * contexts, and a gateway opened over plain HTTP on a LAN address is not one; getRandomValues is.
 */
export function randomId(bytes = 12): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}
