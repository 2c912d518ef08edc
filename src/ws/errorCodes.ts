/** OpenClaw's gateway error codes; finer reasons travel in `details.code`. */
export type ErrorCode = 'NOT_LINKED' | 'NOT_PAIRED' | 'AGENT_TIMEOUT' | 'FORBIDDEN' | 'INVALID_REQUEST' | 'UNAVAILABLE';

/** Reasons clients switch on (OpenClaw's names where it has one). */
export type ErrorDetailCode =
  | 'PROTOCOL_MISMATCH'
  | 'AUTH_TOKEN_MISSING'
  | 'AUTH_TOKEN_MISMATCH'
  | 'AUTH_PASSWORD_MISSING'
  | 'AUTH_PASSWORD_MISMATCH'
  | 'AUTH_RATE_LIMITED'
  | 'MISSING_SCOPE'
  | 'ROLE_UNSUPPORTED'
  | 'INVALID_PARAMS'
  | 'INVALID_FRAME'
  | 'UNKNOWN_METHOD'
  | 'UNKNOWN_AGENT'
  | 'AGENT_BUSY'
  | 'SHUTTING_DOWN'
  | 'PROVIDER_ERROR'
  | 'STORAGE_UNAVAILABLE';

export interface ErrorShape {
  code: ErrorCode;
  message: string;
  details?: { code?: ErrorDetailCode } & Record<string, unknown>;
  retryable?: boolean;
  retryAfterMs?: number;
}

/** Thrown by handlers; the dispatcher turns it into an `ok:false` response. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  /** `payload` rides along on the failed response (the `agent` method's `{runId, status:"error"}`). */
  constructor(
    readonly shape: ErrorShape,
    readonly payload?: unknown,
  ) {
    super(shape.message);
  }
}

export function invalidRequest(message: string, details?: ErrorShape['details']): GatewayError {
  return new GatewayError(
    details ? { code: 'INVALID_REQUEST', message, details } : { code: 'INVALID_REQUEST', message },
  );
}

/** WebSocket close codes the gateway uses. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  serviceRestart: 1012,
} as const;

const MAX_REASON_BYTES = 123;

/** A close reason must fit 123 UTF-8 bytes or the close frame is invalid. */
export function closeReason(text: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).byteLength <= MAX_REASON_BYTES) return text;
  let cut = text.slice(0, MAX_REASON_BYTES);
  while (encoder.encode(cut).byteLength > MAX_REASON_BYTES) cut = cut.slice(0, -1);
  return cut;
}
