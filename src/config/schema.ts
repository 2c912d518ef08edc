import { z } from 'zod';
import { agentsSchema, type agentEntrySchema, type agentMapEntrySchema, type modelRefSchema } from './agentsSchema.js';
import { modelsSchema, type providerModelSchema, type providerSchema } from './modelsSchema.js';
import { nonNegativeInt, positiveInt } from './numberSchemas.js';

/**
 * The one source of truth for config keys, types and defaults.
 * Every object is strict. Keys OpenClaw knows and this gateway does not serve are taken out by the loader
 * before validation (see unservedKeys.ts); what is left must match this schema exactly.
 * `.prefault({})` (not `.default`) so nested defaults are filled in when a section is absent.
 */

const port = z.number().int().min(1).max(65535);

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
 * Admission at the HTTP edge (this gateway's own keys; OpenClaw has none for it): past these, a
 * request is answered at once with a 503 and `retry-after` instead of waiting in a queue.
 */
export const admissionSchema = z
  .strictObject({
    /** false: no refusals and no start queue (every request starts as soon as node:http reads it). */
    enabled: z.boolean().default(true),
    /** Refuse while the start queue's oldest request has waited longer than this (the loop is saturated). */
    maxQueueMs: positiveInt.default(5000),
    /** Refuse while this many requests have no response head yet (a stream stops counting once it streams). */
    maxPending: positiveInt.default(4096),
    /** Sent as `retry-after` (seconds, rounded up) and `retry-after-ms` on a refusal. */
    retryAfterMs: positiveInt.default(1000),
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
    /** Processes serving the one port (node:cluster); more than 1 needs `storage.driver: "postgres"`. */
    workers: positiveInt.max(256).default(1),
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
    admission: admissionSchema,
    /** `GET /metrics` (Prometheus): behind the gateway's auth unless `public`. */
    metrics: z.strictObject({ enabled: z.boolean().default(true), public: z.boolean().default(false) }).prefault({}),
    /** One JSON line per request on stderr (as `--verbose` does). */
    logging: z.strictObject({ requests: z.boolean().default(false) }).prefault({}),
    /** The Control UI page and who may open the WebSocket from a browser (OpenClaw's keys). */
    controlUi: controlUiSchema,
  })
  .prefault({});

/** Where sessions and cross-replica state live: the state dir's SQLite file, or a shared PostgreSQL. */
export const storageSchema = z
  .strictObject({
    driver: z.enum(['sqlite', 'postgres']).default('sqlite'),
    /** `postgres://user:pass@host:5432/db`; `${VAR}` is read from the environment; defaults to OPENCLAW_POSTGRES_URL. */
    url: z.string().min(1).optional(),
    /** PostgreSQL connections per process: each keyed run holds one while it runs. */
    maxConnections: positiveInt.min(4).default(16),
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
    storage: storageSchema,
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
export type StorageConfig = z.output<typeof storageSchema>;
export type AdmissionConfig = z.output<typeof admissionSchema>;
