import { z } from 'zod';

/**
 * The one source of truth for config keys, types and defaults.
 * Every object is strict. Keys OpenClaw knows and this gateway does not serve are taken out by the loader
 * before validation (see unservedKeys.ts); what is left must match this schema exactly.
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
    /** Server-side tool steps stream as `delta.reasoning_content` before the answer. */
    toolProgress: z.boolean().default(true),
    openWebUi: z
      .strictObject({
        /** `X-OpenWebUI-Chat-Id` keys a request without `user` or session header to one session per chat. */
        sessionPerChat: z.boolean().default(true),
        /** Regular expressions for Open WebUI's housekeeping prompts, answered by one plain model call; [] turns it off. */
        taskPatterns: z.array(z.string()).default(['^### Task:']),
      })
      .prefault({}),
  })
  .prefault({});

/**
 * `input_file` parts (OpenClaw's keys): inline text files are read into the system prompt.
 * URL fetching and PDF extraction are not served; their keys are accepted so OpenClaw configs load.
 */
const filesSchema = z
  .strictObject({
    allowUrl: z.boolean().default(false),
    urlAllowlist: z.array(z.string()).optional(),
    allowedMimes: z
      .array(z.string())
      .default(['text/plain', 'text/markdown', 'text/html', 'text/csv', 'application/json']),
    maxBytes: positiveInt.default(5 * 1024 * 1024),
    maxChars: positiveInt.default(60_000),
    maxRedirects: nonNegativeInt.optional(),
    timeoutMs: positiveInt.optional(),
    pdf: z
      .strictObject({ maxPages: positiveInt, maxPixels: positiveInt, minTextChars: nonNegativeInt })
      .partial()
      .optional(),
  })
  .prefault({});

/** `POST /v1/responses` (OpenResponses): same limits as chat completions, plus the stored-response bounds. */
export const responsesSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    keepaliveMs: positiveInt.default(15_000),
    maxBodyBytes: positiveInt.default(20 * 1024 * 1024),
    maxUrlParts: nonNegativeInt.default(8),
    images: imagesSchema,
    files: filesSchema,
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

/** OpenClaw's `gateway.controlUi` keys that this gateway acts on. */
export const controlUiSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** URL path the page is served under; the WebSocket stays on `/`. */
    basePath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, 'expected a URL path starting with "/"')
      .default('/'),
    /** Folder holding a built Control UI (index.html, assets/); the package's own build when unset. */
    root: z.string().min(1).optional(),
    /** Origins besides the gateway's own that may open the WebSocket. */
    allowedOrigins: z.array(originEntrySchema).default([]),
  })
  .prefault({});

export const gatewaySchema = z
  .strictObject({
    port: port.default(18789),
    /** `auto` and `tailnet` are OpenClaw's; here `auto` means loopback and `tailnet` is refused at start. */
    bind: z.enum(['loopback', 'lan', 'custom', 'auto', 'tailnet']).default('loopback'),
    customBindHost: z.ipv4().optional(),
    /** `Host` names served besides loopback names (and, bound to LAN, the machine's IP literals). */
    allowedHosts: z.array(hostEntrySchema).default([]),
    shutdownGraceMs: nonNegativeInt.default(10_000),
    auth: authSchema,
    http: z
      .strictObject({
        endpoints: z.strictObject({ chatCompletions: chatCompletionsSchema, responses: responsesSchema }).prefault({}),
        /** `Idempotency-Key`: how long, and how many, first answers are kept for retries. */
        idempotency: z
          .strictObject({ ttlSeconds: positiveInt.default(86_400), maxEntries: positiveInt.default(1000) })
          .prefault({}),
        /** Origins granted CORS on the HTTP API; `*` only with token or password auth. */
        cors: originListSchema,
      })
      .prefault({}),
    ws: wsSchema,
    /** `GET /metrics` (Prometheus): behind the gateway's auth unless `public`. */
    metrics: z.strictObject({ enabled: z.boolean().default(true), public: z.boolean().default(false) }).prefault({}),
    /** One JSON line per request on stderr (as `--verbose` does). */
    logging: z.strictObject({ requests: z.boolean().default(false) }).prefault({}),
    /** The Control UI page and who may open the WebSocket from a browser (OpenClaw's keys). */
    controlUi: controlUiSchema,
  })
  .prefault({});

/**
 * `"<provider>/<model>"`, an alias from `agents.defaults.models`, or a bare model id (OpenClaw's default
 * provider, anthropic); either alone or as `{primary, fallbacks}`. Resolved once when the agents are built.
 */
const modelName = z.string().trim().min(1, 'expected "<provider>/<model>" or a model alias');
export const modelRefSchema = z.union([
  modelName,
  z.strictObject({ primary: modelName, fallbacks: z.array(modelName).default([]) }),
]);

const agentFields = {
  name: z.string().optional(),
  model: modelRefSchema.optional(),
  systemPrompt: z.string().optional(),
  /** `~` is expanded by the loader. */
  workspace: z.string().optional(),
  timeoutSeconds: nonNegativeInt.optional(),
  /** `identity.name` is the agent's display name (in `/v1/models`); OpenClaw's other identity keys are not served. */
  identity: z.strictObject({ name: z.string().optional() }).optional(),
  /** `provider/model` that `POST /v1/embeddings` uses for this agent. */
  embeddingModel: z
    .string()
    .regex(/^[^/\s]+\/\S+$/, 'expected "<provider>/<model>"')
    .optional(),
};

/** `agents.list[]`, the older form: an array of entries each carrying its id. */
export const agentEntrySchema = z.strictObject({
  id: z.string().min(1),
  default: z.boolean().optional(),
  ...agentFields,
  /** Allow-list of built-in tool names (this gateway's own key). */
  tools: z.array(z.string()).optional(),
});

/** `agents.entries.<id>`, OpenClaw's current form: the map key is the agent id. */
export const agentMapEntrySchema = z.strictObject({
  default: z.boolean().optional(),
  ...agentFields,
});

export const agentsSchema = z
  .strictObject({
    /** OpenClaw asks for `"explicit"` when several `entries` are configured. */
    ownership: z.literal('explicit').optional(),
    defaults: z
      .strictObject({
        ...agentFields,
        tools: z.array(z.string()).optional(),
        /** Per-model settings keyed by `provider/model`; `alias` names it for model refs. */
        models: z.record(z.string(), z.strictObject({ alias: z.string().optional() })).default({}),
        timeoutSeconds: nonNegativeInt.default(172_800),
        maxConcurrent: positiveInt.default(1024),
        maxQueued: nonNegativeInt.default(4096),
        maxToolSteps: positiveInt.default(8),
        /** OpenClaw's cheap model for housekeeping calls (Open WebUI task prompts); the agent's model when unset. */
        utilityModel: z
          .string()
          .regex(/^[^/\s]+\/\S+$/, 'expected "<provider>/<model>"')
          .optional(),
      })
      .prefault({}),
    list: z.array(agentEntrySchema).default([]),
    entries: z.record(z.string().min(1), agentMapEntrySchema).default({}),
  })
  .prefault({});

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

const logLevel = z.enum(['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace']);

export const loggingSchema = z
  .strictObject({
    /** What the log file receives (and the console, unless `consoleLevel` says otherwise). */
    level: logLevel.optional(),
    /** JSON lines appended here as well as to stderr; `~` is expanded by the loader. */
    file: z.string().optional(),
    consoleLevel: logLevel.optional(),
  })
  .prefault({});

/** Variables for `${VAR}` in this file and for providers' keys; the process environment wins over them. */
export const envSchema = z
  .object({ vars: z.record(z.string(), z.string()).optional() })
  .catchall(z.string())
  .prefault({});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    gateway: gatewaySchema,
    agents: agentsSchema,
    models: modelsSchema,
    logging: loggingSchema,
    env: envSchema,
  })
  .prefault({});

export type GatewayConfig = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type AgentEntry = z.output<typeof agentEntrySchema>;
export type AgentMapEntry = z.output<typeof agentMapEntrySchema>;
export type ProviderModel = z.output<typeof providerModelSchema>;
export type LogLevelName = z.output<typeof logLevel>;
export type ModelRef = z.output<typeof modelRefSchema>;
export type ControlUiConfig = z.output<typeof controlUiSchema>;
export type RateLimitConfig = z.output<typeof rateLimitSchema>;
