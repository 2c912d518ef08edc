import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';

import { type BodyReader, bufferedBody } from '../bufferedBody.js';
import { openAiException } from './errors.js';
import { paramOf } from './requestSchema.js';

/** A `/v1` POST body read through the edge's reader; past `maxBytes`, a 413 before the rest is read. */
export function limitedBody(maxBytes: number, read: BodyReader): MiddlewareHandler {
  return bufferedBody({
    maxSize: maxBytes,
    read,
    onError: () => {
      throw openAiException({ kind: 'payload_too_large', limit: maxBytes });
    },
  });
}

/**
 * The zValidator hook of a `/v1` body: the first issue as a 400 naming its `param`
 * (`input[0].content`, as OpenAI names parameters), missing fields told apart from wrong ones.
 */
export function rejectInvalidBody(result: { success: boolean; error?: z.core.$ZodError; data?: unknown }): void {
  if (result.error === undefined) return;
  const { issue, path } = deepest(result.error.issues[0]!);
  const param = paramOf(path);
  throw openAiException({
    kind: 'invalid_request',
    param: param || null,
    // zod leaves `issue.input` out unless asked to: look the value up in the body itself.
    code:
      issue.code === 'invalid_type' && valueAt(result.data, path) === undefined
        ? 'missing_required_parameter'
        : 'invalid_value',
    message: param ? `Invalid value for '${param}': ${issue.message}` : issue.message,
  });
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | null | undefined)?.[key];
  return value;
}

type Issue = z.core.$ZodIssue;

/**
 * A union that fails names only itself (`tools[0]`); the branch that got furthest names the field
 * that is wrong (`tools[0].parameters`). Recursion follows the schema's unions, not the input.
 */
function deepest(issue: Issue): { issue: Issue; path: PropertyKey[] } {
  let best: { issue: Issue; path: PropertyKey[] } = { issue, path: issue.path };
  if (issue.code !== 'invalid_union') return best;
  for (const branch of issue.errors) {
    for (const sub of branch) {
      const found = deepest(sub);
      // A branch of another shape altogether (wrong type, wrong discriminator) says nothing about the field.
      if (found.issue.code === 'invalid_type' || found.path.length === 0 || found.path.at(-1) === 'type') continue;
      const path = [...issue.path, ...found.path];
      if (path.length > best.path.length) best = { issue: found.issue, path };
    }
  }
  return best;
}
