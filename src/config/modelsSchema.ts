import { z } from 'zod';
import { nonNegativeInt, positiveInt } from './numberSchemas.js';

/** OpenClaw's model metadata; `contextWindow`, `maxTokens`, `input` and `reasoning` change what is sent. */
export const providerModelSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  /** The model thinks before answering: its provider's reasoning field is sent where the wire has one. */
  reasoning: z.boolean().optional(),
  /** Input modalities, e.g. `["text", "image"]`; without `image`, image parts are refused with a 400. */
  input: z.array(z.string()).optional(),
  /** Prices per million tokens; reported by `models list`, not billed. */
  cost: z
    .strictObject({
      input: z.number().optional(),
      output: z.number().optional(),
      cacheRead: z.number().optional(),
      cacheWrite: z.number().optional(),
    })
    .optional(),
  /** Tokens the model reads at most: older history is trimmed to fit. */
  contextWindow: z.number().positive().optional(),
  /** Tokens the model writes at most: a larger `max_tokens` is capped. */
  maxTokens: z.number().int().positive().optional(),
});

/** Wire protocols served; any other `api` value loads and fails when a run uses it. */
export const SERVED_APIS = ['openai-completions', 'openai-responses', 'anthropic-messages'] as const;
export type ServedApi = (typeof SERVED_APIS)[number];

export const providerSchema = z.strictObject({
  baseUrl: z.url().optional(),
  apiKey: z.string().optional(),
  /** Defaults to the built-in provider's, else `openai-completions`. */
  api: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutSeconds: positiveInt.optional(),
  /** Retries of 429/5xx/connection errors before the first token, per model. */
  maxRetries: nonNegativeInt.optional(),
  models: z.array(providerModelSchema).default([]),
});

export const modelsSchema = z
  .strictObject({
    /** `merge`: the built-in providers plus the file's; `replace`: the file's only. */
    mode: z.enum(['merge', 'replace']).default('merge'),
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/), providerSchema).default({}),
  })
  .prefault({});
