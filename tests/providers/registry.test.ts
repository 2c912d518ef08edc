import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createModelRegistry } from '../../src/providers/registry.js';
import { ProviderError, type ModelEvent, type ModelRegistry, type ResolvedModel } from '../../src/providers/types.js';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';

const emptyConfig = configSchema.parse({});

async function firstError(registry: ModelRegistry, model: ResolvedModel): Promise<unknown> {
  const events: ModelEvent[] = [];
  try {
    const stream = registry.stream(model)({
      model,
      system: '',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      sampling: {},
      signal: new AbortController().signal,
    });
    for await (const event of stream) events.push(event);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('model registry', () => {
  it('knows the built-in providers with no config', () => {
    const registry = createModelRegistry(emptyConfig, {
      OPENAI_API_KEY: 'sk-env-openai',
      ANTHROPIC_API_KEY: 'sk-ant-env',
    });
    expect(registry.resolve('openai/gpt-4o')).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o',
      ref: 'openai/gpt-4o',
      apiKey: 'sk-env-openai',
      config: { api: 'openai-completions', baseUrl: 'https://api.openai.com/v1' },
    });
    expect(registry.resolve('anthropic/claude-sonnet')).toMatchObject({
      apiKey: 'sk-ant-env',
      config: { api: 'anthropic-messages' },
    });
    expect(registry.resolve('ollama/llama3.2:3b')).toMatchObject({
      model: 'llama3.2:3b',
      apiKey: undefined,
      config: { api: 'openai-completions', baseUrl: 'http://127.0.0.1:11434/v1' },
    });
    expect(registry.resolve('local/echo')).toMatchObject({ provider: 'local', model: 'echo' });
  });

  it('splits at the first slash and accepts any model id', () => {
    const registry = createModelRegistry(emptyConfig, {});
    expect(registry.resolve('openai/org/model-x')).toMatchObject({ provider: 'openai', model: 'org/model-x' });
  });

  it.each(['nope/gpt-4o', 'gpt-4o', '/gpt-4o', 'openai/', 'local/other', ''])('does not resolve %j', (ref) => {
    expect(createModelRegistry(emptyConfig, {}).resolve(ref)).toBeUndefined();
  });

  it('adds configured providers, reads ${ENV} keys and model metadata', () => {
    const config = configSchema.parse({
      models: {
        providers: {
          vllm: {
            api: 'openai-completions',
            baseUrl: 'http://10.0.0.5:8000/v1',
            apiKey: '${VLLM_KEY}',
            models: [{ id: 'qwen', maxTokens: 2048, contextWindow: 32768 }],
          },
        },
      },
    });
    const registry = createModelRegistry(config, { VLLM_KEY: 'from-env' });
    expect(registry.resolve('vllm/qwen')).toMatchObject({ apiKey: 'from-env', maxTokens: 2048 });
    expect(registry.resolve('vllm/other')).toMatchObject({ apiKey: 'from-env' });
    expect(registry.resolve('vllm/other')!.maxTokens).toBeUndefined();
  });

  it('lets config override a built-in while keeping what it does not set', () => {
    const config = configSchema.parse({
      models: { providers: { openai: { api: 'openai-completions', baseUrl: 'https://proxy.example/v1' } } },
    });
    const model = createModelRegistry(config, { OPENAI_API_KEY: 'sk-kept' }).resolve('openai/gpt-4o');
    expect(model).toMatchObject({ apiKey: 'sk-kept', config: { baseUrl: 'https://proxy.example/v1' } });
  });

  it('fails the request, naming the variable, when a ${ENV} key is not set', async () => {
    const config = configSchema.parse({
      models: { providers: { corp: { api: 'anthropic-messages', apiKey: '${CORP_KEY}' } } },
    });
    const registry = createModelRegistry(config, {});
    const error = await firstError(registry, registry.resolve('corp/claude')!);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).kind).toBe('client');
    expect((error as ProviderError).message).toContain('CORP_KEY');

    const builtIn = await firstError(registry, registry.resolve('openai/gpt-4o')!);
    expect((builtIn as ProviderError).message).toContain('OPENAI_API_KEY');
  });

  it('hands out one stream function (one SDK client) per provider', () => {
    const registry = createModelRegistry(emptyConfig, { OPENAI_API_KEY: 'k' });
    const a = registry.stream(registry.resolve('openai/gpt-4o')!);
    const b = registry.stream(registry.resolve('openai/gpt-4o-mini')!);
    const c = registry.stream(registry.resolve('ollama/llama3')!);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  describe('against a fake provider', () => {
    let fake: FakeProvider;
    beforeAll(async () => {
      fake = await startFakeOpenAI();
    });
    afterAll(() => fake.close());

    it('sends configured headers with ${ENV} read, and the key as a bearer token', async () => {
      const config = configSchema.parse({
        models: {
          providers: {
            router: {
              api: 'openai-completions',
              baseUrl: fake.url,
              apiKey: '${ROUTER_KEY}',
              headers: { 'x-title': 'gateway', 'x-org': '${ROUTER_ORG}' },
            },
          },
        },
      });
      const registry = createModelRegistry(config, { ROUTER_KEY: 'rk-1', ROUTER_ORG: 'acme' });
      expect(await firstError(registry, registry.resolve('router/any')!)).toBeUndefined();
      const headers = fake.requests.at(-1)!.headers;
      expect(headers.authorization).toBe('Bearer rk-1');
      expect(headers['x-title']).toBe('gateway');
      expect(headers['x-org']).toBe('acme');
    });

    it('uses the provider timeoutSeconds as the idle timeout', async () => {
      const config = configSchema.parse({
        models: { providers: { slow: { api: 'openai-completions', baseUrl: fake.url, timeoutSeconds: 1 } } },
      });
      const registry = createModelRegistry(config, {});
      fake.script({ text: 'hang', stallAfterChunks: 1 });
      const started = Date.now();
      const error = await firstError(registry, registry.resolve('slow/m')!);
      const elapsed = Date.now() - started;
      expect((error as ProviderError).kind).toBe('idle_timeout');
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(3000);
    });

    it('does not retry inside the SDK: one failed attempt is one request', async () => {
      const config = configSchema.parse({
        models: { providers: { flaky: { api: 'openai-completions', baseUrl: fake.url } } },
      });
      const registry = createModelRegistry(config, {});
      const before = fake.requests.length;
      fake.script({ kind: 'error', status: 503 });
      const error = await firstError(registry, registry.resolve('flaky/m')!);
      expect((error as ProviderError).kind).toBe('server');
      expect(fake.requests.length - before).toBe(1);
    });
  });
});
