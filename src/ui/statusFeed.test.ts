import { describe, expect, it } from 'vitest';
import { requestsPerMinute } from './statusFeed.js';

describe('requestsPerMinute', () => {
  it('reads the live figure when status has one, and nothing when it has not', () => {
    const base = { version: '1', activeRuns: [], connections: 1 } as never;
    expect(requestsPerMinute(base)).toBeUndefined();
    expect(requestsPerMinute({ ...(base as object), load: { requestsPerMinute: 12 } } as never)).toBe(12);
  });
});
