/**
 * Timing-safe matcher for one configured secret. The loop always runs over the whole
 * expected secret whatever is presented, so the time taken does not depend on how much
 * of the presented value matches. Synchronous on purpose: hashing both sides through
 * Web Crypto on every request cost more than the rest of the auth check.
 */
export function createSecretMatcher(expected: string): (presented: string) => boolean {
  const n = expected.length;
  return (presented) => {
    const m = presented.length;
    let diff = n ^ m;
    for (let i = 0; i < n; i++) diff |= expected.charCodeAt(i) ^ (m === 0 ? 0 : presented.charCodeAt(i % m));
    return diff === 0;
  };
}
