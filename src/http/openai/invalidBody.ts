import type { z } from 'zod';

import { openAiException } from './errors.js';
import { paramOf } from './requestSchema.js';

/**
 * The zValidator hook of a `/v1` body: the first issue as a 400 naming its `param`
 * (`input[0].content`, as OpenAI names parameters), missing fields told apart from wrong ones.
 */
export function rejectInvalidBody(result: { success: boolean; error?: z.core.$ZodError; data?: unknown }): void {
  if (result.error === undefined) return;
  const issue = result.error.issues[0]!;
  const param = paramOf(issue.path);
  throw openAiException({
    kind: 'invalid_request',
    param: param || null,
    // zod leaves `issue.input` out unless asked to: look the value up in the body itself.
    code:
      issue.code === 'invalid_type' && valueAt(result.data, issue.path) === undefined
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
