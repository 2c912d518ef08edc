import { sha256 } from 'hono/utils/crypto';

/**
 * Timing-safe matcher for one configured secret. The expected digest is computed once;
 * each check hashes the presented value (SHA-256 through Web Crypto) and compares digests
 * in constant time, so neither length nor content leaks through timing.
 */
export function createSecretMatcher(expected: string): (presented: string) => Promise<boolean> {
  const expectedDigest = sha256(expected);
  return async (presented) => {
    const [a, b] = await Promise.all([expectedDigest, sha256(presented)]);
    if (a === null || b === null || a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return diff === 0;
  };
}
