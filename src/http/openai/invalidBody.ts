import type { z } from 'zod';

import { openAiException } from './errors.js';
import { paramOf } from './requestSchema.js';

/**
 * The zValidator hook of a `/v1` body: the first issue as a 400 naming its `param`
 * (`input[0].content`, as OpenAI names parameters), missing fields told apart from wrong ones.
 */
export function rejectInvalidBody(result: { success: boolean; error?: z.core.$ZodError }): void {
  if (result.error === undefined) return;
  const issue = result.error.issues[0]!;
  const param = paramOf(issue.path);
  throw openAiException({
    kind: 'invalid_request',
    param: param || null,
    code: issue.code === 'invalid_type' && issue.input === undefined ? 'missing_required_parameter' : 'invalid_value',
    message: param ? `Invalid value for '${param}': ${issue.message}` : issue.message,
  });
}
