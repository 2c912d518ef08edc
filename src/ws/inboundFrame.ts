import type { ErrorShape } from './errorCodes.js';

/** What the connection makes of a client frame's text before any schema sees it. */

export function invalidFrame(message: string): ErrorShape {
  return { code: 'INVALID_REQUEST', message, details: { code: 'INVALID_FRAME' } };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const encoder = new TextEncoder();

/** Exact UTF-8 size only when the character count leaves it in doubt. */
export function utf8Length(text: string, limit: number): number {
  if (text.length > limit || text.length * 3 <= limit) return text.length;
  return encoder.encode(text).byteLength;
}
