import type { Context } from 'hono';
import {
  type AnswerRecorder,
  type IdempotencyStore,
  type RecordedAnswer,
  requestFingerprint,
} from '../../idempotency/answerStore.js';
import type { SseStreamer } from '../sseStream.js';
import { errorResponse, openAiException } from './errors.js';

/** Stripe's bound; OpenAI documents none. */
const MAX_KEY_LENGTH = 255;

export type IdempotencyGate = { respond: Response | Promise<Response> } | { recorder: AnswerRecorder | undefined };

/**
 * Looks up the request's `Idempotency-Key`: no header, no change; a key first seen hands back a
 * recorder for the answer; a repeat of the same request answers from the first; the same key on
 * another request is 409. `parts` give what makes two requests the same (body, session), read only
 * when there is a key.
 */
export async function idempotencyGate(
  c: Context,
  store: IdempotencyStore,
  parts: () => Promise<string[]>,
  stream: boolean,
  streamEvents: SseStreamer,
): Promise<IdempotencyGate> {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return { recorder: undefined };
  if (key === '' || key.length > MAX_KEY_LENGTH) {
    throw openAiException({
      kind: 'invalid_request',
      param: null,
      code: 'invalid_idempotency_key',
      message: `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters.`,
    });
  }
  const claim = store.claim(key, await requestFingerprint(await parts()), stream);
  switch (claim.kind) {
    case 'first':
      return { recorder: claim.recorder };
    case 'conflict':
      return {
        respond: errorResponse({
          kind: 'conflict',
          code: 'idempotency_key_reused',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        }),
      };
    case 'replay':
      c.header('idempotent-replayed', 'true');
      return { respond: replay(c, claim.answer, streamEvents) };
  }
}

async function replay(c: Context, answer: RecordedAnswer, streamEvents: SseStreamer): Promise<Response> {
  if (answer.stream) {
    c.header('x-accel-buffering', 'no');
    return streamEvents(c, async (sink) => {
      for await (const payload of answer.frames()) {
        if (sink.aborted) return;
        await sink.data(payload);
      }
    });
  }
  const json = await answer.whenAnswered();
  if (json === undefined) return errorResponse({ kind: 'internal' });
  return c.body(json.body, json.status as 200, { ...json.headers, 'content-type': 'application/json' });
}
