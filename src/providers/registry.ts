import { SERVED_APIS, type ServedApi } from '../config/modelsSchema.js';
import type { GatewayConfig, ProviderConfig } from '../config/schema.js';
import { ECHO_MODEL_REF, streamEcho } from './echo.js';
import { fitToModel } from './modelLimits.js';
import type { ProviderSettings } from './providerSettings.js';
import {
  ProviderError,
  type ModelEvent,
  type ModelRegistry,
  type ResolvedModel,
  type StreamFunction,
} from './types.js';

export interface ModelRegistryOptions {
  /** Overrides every provider's `timeoutSeconds` (tests use a few hundred ms). */
  idleTimeoutMs?: number;
  /** The fetch the provider SDKs send with (the Node edge passes a faster one); the global fetch when unset. */
  fetch?: typeof fetch;
}

const DEFAULT_IDLE_TIMEOUT_SECONDS = 120;

/** Providers that exist without any config; `models.providers.<id>` overrides them field by field. */
const BUILT_IN_PROVIDERS: Record<string, ProviderConfig> = {
  openai: { api: 'openai-completions', baseUrl: 'https://api.openai.com/v1', apiKey: '${OPENAI_API_KEY}', models: [] },
  anthropic: {
    api: 'anthropic-messages',
    baseUrl: 'https://api.anthropic.com',
    apiKey: '${ANTHROPIC_API_KEY}',
    models: [],
  },
  ollama: { api: 'openai-completions', baseUrl: 'http://127.0.0.1:11434/v1', models: [] },
};

const DEFAULT_BASE_URL: Record<ServedApi, string> = {
  'openai-completions': 'https://api.openai.com/v1',
  'openai-responses': 'https://api.openai.com/v1',
  'anthropic-messages': 'https://api.anthropic.com',
};

const DEFAULT_API = 'openai-completions';

function isServedApi(api: string): api is ServedApi {
  return (SERVED_APIS as readonly string[]).includes(api);
}

/**
 * `local/echo` has no wire protocol; this config only fills the ResolvedModel shape.
 * `stream()` recognises the echo model by this object's identity, never by `api`.
 */
const ECHO_PROVIDER: ProviderConfig = {
  api: 'openai-completions',
  models: [{ id: 'echo', name: 'Built-in echo (local/echo)' }],
};

interface ProviderEntry {
  id: string;
  config: ProviderConfig;
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
  /** Set when the config names a key that the environment does not hold. */
  missingKey?: string;
}

export function createModelRegistry(
  config: GatewayConfig,
  env: Record<string, string | undefined>,
  options: ModelRegistryOptions = {},
): ModelRegistry {
  const entries = new Map<string, ProviderEntry>();
  const configured = config.models.providers;
  // `replace`: only the file's providers; `merge` (OpenClaw's default): the built-ins too, the file's winning.
  const builtIn = config.models.mode === 'replace' ? {} : BUILT_IN_PROVIDERS;
  for (const id of new Set([...Object.keys(builtIn), ...Object.keys(configured)])) {
    const base = builtIn[id];
    const own = configured[id];
    const merged: ProviderConfig = own
      ? { ...base, ...stripUndefined(own), api: own.api ?? base?.api ?? DEFAULT_API, models: own.models }
      : base!;
    entries.set(id, entryFor(id, merged, env));
  }
  // One client per provider for the life of the registry, built on first use.
  const streams = new Map<string, StreamFunction>();

  function streamFor(entry: ProviderEntry): StreamFunction {
    const known = streams.get(entry.id);
    if (known) return known;
    const created = buildStream(entry, options, (loaded) => streams.set(entry.id, loaded));
    streams.set(entry.id, created);
    return created;
  }

  return {
    resolve(ref) {
      const slash = ref.indexOf('/');
      if (slash <= 0 || slash === ref.length - 1) return undefined;
      const provider = ref.slice(0, slash);
      const model = ref.slice(slash + 1);
      if (ref === ECHO_MODEL_REF) {
        return { provider, model, ref, config: ECHO_PROVIDER, apiKey: undefined };
      }
      const entry = entries.get(provider);
      if (!entry) return undefined;
      const meta = entry.config.models.find((m) => m.id === model);
      const resolved: ResolvedModel = { provider, model, ref, config: entry.config, apiKey: entry.apiKey };
      if (meta?.maxTokens !== undefined) resolved.maxTokens = meta.maxTokens;
      if (meta?.contextWindow !== undefined) resolved.contextWindow = meta.contextWindow;
      if (meta?.input !== undefined) resolved.input = meta.input;
      if (meta?.reasoning !== undefined) resolved.reasoning = meta.reasoning;
      return resolved;
    },

    stream(model) {
      if (model.config === ECHO_PROVIDER) return streamEcho;
      const entry = entries.get(model.provider);
      // A model resolved elsewhere: honour its own config, still one client per provider.
      const stream = streamFor(
        entry && entry.config === model.config ? entry : entryFor(model.provider, model.config, env, model.apiKey),
      );
      if (model.maxTokens === undefined && model.contextWindow === undefined) return stream;
      return (request) => stream(fitToModel(request));
    },
  };
}

function entryFor(
  id: string,
  config: ProviderConfig,
  env: Record<string, string | undefined>,
  knownKey?: string,
): ProviderEntry {
  const entry: ProviderEntry = { id, config, apiKey: knownKey, headers: undefined };
  if (knownKey === undefined && config.apiKey !== undefined) {
    const key = interpolate(config.apiKey, env);
    if (key.missing.length > 0) entry.missingKey = key.missing.join(', ');
    else entry.apiKey = key.value || undefined;
  }
  if (config.headers) {
    entry.headers = Object.fromEntries(
      Object.entries(config.headers).map(([name, value]) => [name, interpolate(value, env).value]),
    );
  }
  return entry;
}

/** `${NAME}` reads the environment; an unset or empty variable is reported as missing. */
function interpolate(text: string, env: Record<string, string | undefined>): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = env[name];
    if (!found) missing.push(name);
    return found ?? '';
  });
  return { value, missing };
}

/**
 * Each wire protocol's module (and its SDK) is imported on first use: `@anthropic-ai/sdk`
 * alone costs ~400 ms of start-up, and a gateway on the echo model needs neither.
 */
const PROTOCOLS: Record<ServedApi, () => Promise<(settings: ProviderSettings) => StreamFunction>> = {
  'openai-completions': () => import('./openaiCompletions.js').then((m) => m.openAICompletions),
  'openai-responses': () => import('./openaiResponses.js').then((m) => m.openAIResponses),
  'anthropic-messages': () => import('./anthropicMessages.js').then((m) => m.anthropicMessages),
};

function buildStream(
  entry: ProviderEntry,
  options: ModelRegistryOptions,
  onLoaded: (stream: StreamFunction) => void,
): StreamFunction {
  if (entry.missingKey !== undefined) {
    const message = `${entry.id}: no API key configured (set ${entry.missingKey})`;
    return () => failingStream(() => new ProviderError('client', message));
  }
  const api = entry.config.api ?? DEFAULT_API;
  if (!isServedApi(api)) {
    // Accepted in the file as OpenClaw does; only a run that reaches this provider fails.
    const message = `${entry.id}: api "${api}" is not served by this gateway (served: ${SERVED_APIS.join(', ')})`;
    return () => failingStream(() => new ProviderError('client', message));
  }
  const settings: ProviderSettings = {
    id: entry.id,
    baseUrl: entry.config.baseUrl ?? DEFAULT_BASE_URL[api],
    apiKey: entry.apiKey,
    headers: entry.headers,
    idleTimeoutMs: options.idleTimeoutMs ?? (entry.config.timeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000,
  };
  if (options.fetch !== undefined) settings.fetch = options.fetch;
  let loading: Promise<StreamFunction> | undefined;
  return async function* loadThenStream(request) {
    loading ??= PROTOCOLS[api]().then((make) => {
      const stream = make(settings);
      // Later calls go straight to the loaded stream function.
      onLoaded(stream);
      return stream;
    });
    yield* (await loading)(request);
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A stream whose first read fails: the run's retry and fallback handle it like any provider failure. */
function failingStream(error: () => ProviderError): AsyncIterable<ModelEvent> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error()) }) };
}
