import type { Dispatcher } from 'undici';
// undici's own files, not its index: the index loads all of undici (fetch, WebSocket, mocks,
// caches...), several MB of resident code the gateway never runs.
import Agent from 'undici/lib/dispatcher/agent.js';
import redirect from 'undici/lib/interceptor/redirect.js';
import request from 'undici/lib/api/api-request.js';

/**
 * A `fetch` for the provider SDKs on undici's own request API. Node's bundled fetch wraps
 * every call in WHATWG Request/Response objects and web streams (a body tee, a transferable
 * stream per body) that cost more CPU than the rest of a proxied request; the SDKs need only
 * status, headers and a body they can iterate, which undici's `request()` gives directly.
 * Anything this does not handle (a Request object, a FormData or Blob body) goes to the global fetch.
 *
 * fetch's observable behaviour is kept: redirects are followed, failures before the response
 * reject with `TypeError: fetch failed` (cause: undici's error), a body cut mid-way fails with
 * `TypeError: terminated`. No `accept-encoding` is sent, so bodies arrive as sent.
 */
export function createUndiciFetch(dispatcher: Dispatcher = defaultDispatcher()): typeof fetch {
  return async function undiciFetch(input, init) {
    const body = init?.body;
    if (typeof input !== 'string' && !(input instanceof URL)) return fetch(input, init);
    if (body != null && typeof body !== 'string' && !(body instanceof Uint8Array)) return fetch(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    const signal = init?.signal ?? undefined;
    let response: Dispatcher.ResponseData;
    try {
      response = await request.call(dispatcher, {
        origin: url.origin,
        path: url.pathname + url.search,
        method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: headerList(init?.headers),
        body: body ?? undefined,
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new TypeError('fetch failed', { cause: err });
    }
    return new UndiciResponse(url.href, response, signal) as unknown as Response;
  };
}

let shared: Dispatcher | undefined;

/** One connection pool per process for every provider origin, following redirects as fetch does. */
function defaultDispatcher(): Dispatcher {
  shared ??= new Agent().compose(redirect({ maxRedirections: 20 }));
  return shared;
}

function headerList(headers: RequestInit['headers']): string[] {
  const out: string[] = [];
  if (headers == null) return out;
  const add = (name: string, value: string): void => {
    if (name.toLowerCase() !== 'accept-encoding') out.push(name, value);
  };
  if (headers instanceof Headers || Array.isArray(headers)) for (const [name, value] of headers) add(name!, value!);
  else {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string') add(name, value);
      else for (const v of value) add(name, v);
    }
  }
  return out;
}

/**
 * No model reply comes near this; a provider that sends more (or one endless SSE line, which the
 * SDKs would buffer whole looking for its end) is cut off before it costs the gateway its memory.
 */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * The SDKs' SSE decoders copy their whole pending line on every chunk, so an endless line costs
 * quadratic time long before it costs memory. SSE frames and error bodies are far smaller.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** The part of a fetch Response the SDKs read; the body is undici's stream, async-iterable. */
class UndiciResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly statusText = '';
  readonly redirected = false;
  readonly type = 'basic';
  readonly headers: Headers;
  readonly body: AsyncIterable<Uint8Array>;
  readonly #data: Dispatcher.ResponseData['body'];

  constructor(
    readonly url: string,
    response: Dispatcher.ResponseData,
    signal: AbortSignal | undefined,
  ) {
    this.status = response.statusCode;
    this.ok = response.statusCode >= 200 && response.statusCode < 300;
    this.headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const v of value) this.headers.append(name, v);
      else if (value !== undefined) this.headers.append(name, value);
    }
    this.#data = response.body;
    this.body = fetchLikeBody(response.body, signal);
  }

  get bodyUsed(): boolean {
    return this.#data.bodyUsed;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.#bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** The whole body through the same size cap as the stream. */
  async #bytes(): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.body) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
}

/** The body's chunks, with a mid-body failure reported the way fetch reports it. */
function fetchLikeBody(
  data: Dispatcher.ResponseData['body'],
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const chunks = data[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      let received = 0;
      let lineBytes = 0;
      const cut = (why: string): never => {
        data.destroy();
        throw new TypeError('terminated', { cause: new Error(why) });
      };
      return {
        next: () =>
          chunks.next().then(
            (step) => {
              if (step.done) return step;
              const chunk = step.value;
              received += chunk.byteLength;
              if (received > MAX_RESPONSE_BYTES) cut(`provider response over ${MAX_RESPONSE_BYTES} bytes`);
              const newline = chunk.lastIndexOf(0x0a);
              lineBytes = newline === -1 ? lineBytes + chunk.byteLength : chunk.byteLength - newline - 1;
              if (lineBytes > MAX_LINE_BYTES) cut(`provider sent a line over ${MAX_LINE_BYTES} bytes`);
              return step;
            },
            (err: unknown) => {
              throw signal?.aborted ? signal.reason : asFetchBodyError(err);
            },
          ),
        return: async () => {
          data.destroy();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

function asFetchBodyError(err: unknown): unknown {
  if (err instanceof Error && err.name === 'AbortError') return err;
  return new TypeError('terminated', { cause: err });
}
