import { z } from 'zod';

/**
 * The one source of truth for config keys, types and defaults.
 * Every object is strict: an unknown key refuses to start, as OpenClaw does.
 * `.prefault({})` (not `.default`) so nested defaults are filled in when a section is absent.
 */

const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);

export const rateLimitSchema = z
  .strictObject({
    maxAttempts: positiveInt.default(10),
    windowMs: positiveInt.default(60_000),
    lockoutMs: positiveInt.default(300_000),
    exemptLoopback: z.boolean().default(true),
  })
  .prefault({});

export const authSchema = z
  .strictObject({
    mode: z.enum(['token', 'password', 'none']).optional(),
    token: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    rateLimit: rateLimitSchema,
  })
  .prefault({});

export const imagesSchema = z
  .strictObject({
    allowUrl: z.boolean().default(false),
    maxParts: positiveInt.default(8),
    maxBytes: positiveInt.default(10 * 1024 * 1024),
    maxTotalBytes: positiveInt.default(20 * 1024 * 1024),
    allowedMimes: z
      .array(z.string())
      .default(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif']),
  })
  .prefault({});

export const chatCompletionsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    keepaliveMs: positiveInt.default(15_000),
    maxBodyBytes: positiveInt.default(20 * 1024 * 1024),
    images: imagesSchema,
  })
  .prefault({});

/** OpenClaw's `files.*` keys, accepted so its configs load; `input_file` parts are not read yet. */
const filesSchema = z
  .strictObject({
    allowUrl: z.boolean(),
    urlAllowlist: z.array(z.string()),
    allowedMimes: z.array(z.string()),
    maxBytes: positiveInt,
    maxChars: positiveInt,
    maxRedirects: nonNegativeInt,
    timeoutMs: positiveInt,
    pdf: z.strictObject({ maxPages: positiveInt, maxPixels: positiveInt, minTextChars: nonNegativeInt }).partial(),
  })
  .partial();

/** `POST /v1/responses` (OpenResponses): same limits as chat completions, plus the stored-response bounds. */
export const responsesSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    keepaliveMs: positiveInt.default(15_000),
    maxBodyBytes: positiveInt.default(20 * 1024 * 1024),
    maxUrlParts: nonNegativeInt.default(8),
    images: imagesSchema,
    files: filesSchema.optional(),
    /** Responses kept for `previous_response_id` and `GET /v1/responses/{id}`: oldest dropped past the count. */
    storedResponses: z
      .strictObject({
        maxCount: positiveInt.default(1000),
        maxBytes: positiveInt.default(256 * 1024 * 1024),
        ttlSeconds: positiveInt.default(3600),
      })
      .prefault({}),
  })
  .prefault({});

export const wsSchema = z
  .strictObject({
    tickIntervalMs: positiveInt.default(15_000),
    maxPayload: positiveInt.default(25 * 1024 * 1024),
    maxBufferedBytes: positiveInt.default(50 * 1024 * 1024),
    preAuthMaxBytes: positiveInt.default(64 * 1024),
    connectTimeoutMs: positiveInt.default(10_000),
  })
  .prefault({});

/**
 * An origin as a browser sends it in `Origin` (`scheme://host[:port]`, no path), or `*`.
 * Stored the way browsers serialise it (lowercase, default port dropped) so requests compare as plain strings.
 */
export const originEntrySchema = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    if (raw === '*') return raw;
    const bare = raw.replace(/\/$/, '').toLowerCase();
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/.test(bare)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected an origin like "https://app.example:8443" or "*", got "${raw}"`,
      });
      return z.NEVER;
    }
    // http(s) origins drop their default port, as browsers do; other schemes (chrome-extension://) have no URL origin.
    return /^https?:/.test(bare) ? new URL(bare).origin : bare;
  });

/** A host name or IP literal served as `Host` (any port); `.example.com` also matches its subdomains. */
export const hostEntrySchema = z
  .string()
  .trim()
  .toLowerCase()
  .transform((raw, ctx) => {
    const host = raw.includes(':') && !raw.startsWith('[') ? `[${raw}]` : raw;
    if (!/^(\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/.test(host)) {
      ctx.addIssue({ code: 'custom', message: `expected a host name or IP address without port, got "${raw}"` });
      return z.NEVER;
    }
    return host;
  });

const originListSchema = z.strictObject({ allowedOrigins: z.array(originEntrySchema).default([]) }).prefault({});

export const gatewaySchema = z
  .strictObject({
    port: port.default(18789),
    bind: z.enum(['loopback', 'lan', 'custom']).default('loopback'),
    customBindHost: z.ipv4().optional(),
    /** `Host` names served besides loopback names (and, bound to LAN, the machine's IP literals). */
    allowedHosts: z.array(hostEntrySchema).default([]),
    shutdownGraceMs: nonNegativeInt.default(10_000),
    auth: authSchema,
    /** Origins besides the gateway's own that may open the WebSocket (OpenClaw's key). */
    controlUi: originListSchema,
    http: z
      .strictObject({
        endpoints: z.strictObject({ chatCompletions: chatCompletionsSchema, responses: responsesSchema }).prefault({}),
        /** Origins granted CORS on the HTTP API; `*` only with token or password auth. */
        cors: originListSchema,
      })
      .prefault({}),
    ws: wsSchema,
  })
  .prefault({});

/** `"<provider>/<model>"` or `{primary, fallbacks}`. */
export const modelRefSchema = z.union([
  z.string().regex(/^[^/\s]+\/\S+$/, 'expected "<provider>/<model>"'),
  z.strictObject({
    primary: z.string().regex(/^[^/\s]+\/\S+$/, 'expected "<provider>/<model>"'),
    fallbacks: z.array(z.string().regex(/^[^/\s]+\/\S+$/, 'expected "<provider>/<model>"')).default([]),
  }),
]);

const agentFields = {
  name: z.string().optional(),
  model: modelRefSchema.optional(),
  systemPrompt: z.string().optional(),
  workspace: z.string().optional(),
  timeoutSeconds: nonNegativeInt.optional(),
  tools: z.array(z.string()).optional(),
  /** `provider/model` that `POST /v1/embeddings` uses for this agent. */
  embeddingModel: z
    .string()
    .regex(/^[^/\s]+\/\S+$/, 'expected "<provider>/<model>"')
    .optional(),
};

export const agentEntrySchema = z.strictObject({
  id: z.string().min(1),
  default: z.boolean().optional(),
  ...agentFields,
});

export const agentsSchema = z
  .strictObject({
    defaults: z
      .strictObject({
        ...agentFields,
        timeoutSeconds: nonNegativeInt.default(172_800),
        maxConcurrent: positiveInt.default(1024),
        maxQueued: nonNegativeInt.default(4096),
        maxToolSteps: positiveInt.default(8),
      })
      .prefault({}),
    list: z.array(agentEntrySchema).default([]),
  })
  .prefault({});

export const providerModelSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  contextWindow: positiveInt.optional(),
  maxTokens: positiveInt.optional(),
});

export const providerSchema = z.strictObject({
  baseUrl: z.url().optional(),
  apiKey: z.string().optional(),
  api: z.enum(['openai-completions', 'anthropic-messages']),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutSeconds: positiveInt.optional(),
  /** Retries of 429/5xx/connection errors before the first token, per model. */
  maxRetries: nonNegativeInt.optional(),
  models: z.array(providerModelSchema).default([]),
});

export const modelsSchema = z
  .strictObject({
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), providerSchema).default({}),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    gateway: gatewaySchema,
    agents: agentsSchema,
    models: modelsSchema,
  })
  .prefault({});

export type GatewayConfig = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type AgentEntry = z.output<typeof agentEntrySchema>;
export type ModelRef = z.output<typeof modelRefSchema>;
export type RateLimitConfig = z.output<typeof rateLimitSchema>;
