import type { ProviderConfig } from '../config/schema.js';
import { ECHO_MODEL_REF } from './echo.js';
import { ProviderError, type ResolvedModel } from './types.js';

export interface EmbeddingRequest {
  model: ResolvedModel;
  input: string[];
  dimensions?: number;
  signal: AbortSignal;
}

export interface Embeddings {
  /** One vector per input, in order. */
  vectors: number[][];
  promptTokens: number;
}

/** local/echo vectors have this many dimensions unless the request asks for others. */
const ECHO_DIMENSIONS = 256;

/**
 * Embeddings of `input` from the model's provider, through its official SDK (the OpenAI
 * family's `embeddings.create`); `local/echo` answers with deterministic unit vectors.
 */
export async function embed(request: EmbeddingRequest): Promise<Embeddings> {
  const { model } = request;
  if (model.ref === ECHO_MODEL_REF) return echoEmbeddings(request.input, request.dimensions ?? ECHO_DIMENSIONS);
  if (model.config.api === 'anthropic-messages') {
    throw new ProviderError('client', `${model.provider}: the ${model.config.api} API has no embeddings endpoint`);
  }
  const client = await clientFor(model);
  try {
    const res = await client.embeddings.create(
      {
        model: model.model,
        input: request.input,
        encoding_format: 'float',
        ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
      },
      { signal: request.signal },
    );
    const vectors: number[][] = [];
    for (const item of res.data) vectors[item.index] = item.embedding;
    return { vectors, promptTokens: res.usage?.prompt_tokens ?? 0 };
  } catch (err) {
    if (request.signal.aborted) throw new ProviderError('aborted', `${model.ref}: request aborted`);
    const status = (err as { status?: unknown }).status;
    const message = `${model.ref}: ${err instanceof Error ? err.message : String(err)}`;
    if (typeof status === 'number') {
      throw new ProviderError(status === 429 ? 'rate_limited' : status >= 500 ? 'server' : 'client', message, status);
    }
    throw new ProviderError('connection', message);
  }
}

type OpenAIClient = import('openai').OpenAI;
const clients = new WeakMap<ProviderConfig, Promise<OpenAIClient>>();

/** One SDK client per provider config, loaded on first use as the chat protocols are. */
function clientFor(model: ResolvedModel): Promise<OpenAIClient> {
  let client = clients.get(model.config);
  if (client === undefined) {
    client = import('openai').then(
      ({ OpenAI }) =>
        new OpenAI({
          baseURL: model.config.baseUrl ?? 'https://api.openai.com/v1',
          apiKey: model.apiKey ?? 'unused',
          organization: null,
          project: null,
          defaultHeaders: model.apiKey === undefined ? { Authorization: null } : {},
          maxRetries: 1,
        }),
    );
    clients.set(model.config, client);
  }
  return client;
}

/** A unit vector per text, the same for the same text on every install: a hash seeds xorshift32. */
export function echoEmbeddings(input: string[], dimensions: number): Embeddings {
  let words = 0;
  const vectors = input.map((text) => {
    words += text.match(/\S+/g)?.length ?? 0;
    let seed = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193);
    seed ||= 1;
    const v = new Array<number>(dimensions);
    let norm = 0;
    for (let i = 0; i < dimensions; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      v[i] = (seed >>> 0) / 0x80000000 - 1;
      norm += v[i]! * v[i]!;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < dimensions; i++) v[i] = v[i]! * scale;
    return v;
  });
  return { vectors, promptTokens: words };
}
