import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { APIError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdmissionConfig } from '../../src/config/schema.js';
import { GatewayMetrics } from '../../src/metrics/gatewayMetrics.js';
import { createAdmission, TURN_BUDGET_MS } from '../../src/node/edgeAdmission.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';
import { scrape } from '../helpers/prometheus.js';

/**
 * A loopback OpenAI provider that holds every chat completion until `release()`: streams get their
 * head and role frame at once, then wait; JSON answers wait whole.
 */
async function startHoldingProvider() {
  const held: Array<() => void> = [];
  let arrived = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      arrived++;
      const body = JSON.parse(raw);
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(chunk({ role: 'assistant', content: '' }, null));
        held.push(() => res.end(`${chunk({ content: 'held reply' }, null)}${chunk({}, 'stop')}data: [DONE]\n\n`));
        return;
      }
      held.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            created: 0,
            model: 'm',
            choices: [{ index: 0, message: { role: 'assistant', content: 'held reply' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
          }),
        );
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    arrived: () => arrived,
    release() {
      for (const answer of held.splice(0)) answer();
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gatewayWith(admission: Partial<AdmissionConfig>) {
  const provider = await startHoldingProvider();
  cleanups.push(provider.close);
  const gw: TestGateway = await startTestGateway(
    chatConfig({ ...withFakeProvider(provider.url), gateway: { admission } }),
  );
  cleanups.push(gw.stop);
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
  return { provider, gw, client };
}

const ask = (client: OpenAI, content: string) =>
  client.chat.completions.create({ model: 'openclaw', messages: [{ role: 'user', content }] });

describe('admission at the edge', () => {
  it('answers past maxPending at once with an OpenAI-shaped 503 and retry-after, then admits again', async () => {
    const { provider, gw, client } = await gatewayWith({ maxPending: 2, retryAfterMs: 1500 });
    const before = await scrape(gw.url, gw.token);
    const held = [ask(client, 'one'), ask(client, 'two')];
    await until(() => provider.arrived() === 2, 'both requests at the provider');

    const refusal = await ask(client, 'three').then(
      () => undefined,
      (error: unknown) => error,
    );
    // Answered while the two are still held: it did not wait for a slot.
    expect(provider.arrived()).toBe(2);
    expect(refusal).toBeInstanceOf(APIError);
    const apiError = refusal as APIError;
    expect(apiError.status).toBe(503);
    expect(apiError.type).toBe('server_error');
    expect(apiError.headers?.get('retry-after')).toBe('2');
    expect(apiError.headers?.get('retry-after-ms')).toBe('1500');
    expect(apiError.headers?.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(apiError.headers?.get('x-content-type-options')).toBe('nosniff');

    // The raw body is exactly the OpenAI error shape.
    const raw = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'four' }] }),
    });
    expect(raw.status).toBe(503);
    const body = (await raw.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);

    // Probes still answer while the gateway refuses work.
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    const during = await scrape(gw.url, gw.token);
    expect(during.value('openclaw_http_admission_pending')).toBe(2);

    provider.release();
    const answers = await Promise.all(held);
    expect(answers.map((a) => a.choices[0]!.message.content)).toEqual(['held reply', 'held reply']);

    const next = ask(client, 'five');
    await until(() => provider.arrived() === 3, 'the next request at the provider');
    provider.release();
    expect((await next).choices[0]!.message.content).toBe('held reply');

    const after = await scrape(gw.url, gw.token);
    expect(after.family('openclaw_http_admission_refusals_total').type).toBe('COUNTER');
    expect(
      after.value('openclaw_http_admission_refusals_total') - before.value('openclaw_http_admission_refusals_total'),
    ).toBe(2);
    expect(after.value('openclaw_http_admission_pending')).toBe(0);
    expect(after.value('openclaw_http_admission_queued')).toBe(0);
    expect([...gw.ctx.runtime.activeRuns()]).toEqual([]);
  });

  it('stops counting a stream once its head is out: it waits on the model, not on the gateway', async () => {
    const { provider, client } = await gatewayWith({ maxPending: 1 });
    const stream = await client.chat.completions.create({
      model: 'openclaw',
      stream: true,
      messages: [{ role: 'user', content: 'stream' }],
    });
    const reading = (async () => {
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    })();
    const second = ask(client, 'while it streams');
    await until(() => provider.arrived() === 2, 'the second request at the provider');
    provider.release();
    expect(await reading).toBe('held reply');
    expect((await second).choices[0]!.message.content).toBe('held reply');
  });

  it('refuses nothing when disabled', async () => {
    const { provider, client } = await gatewayWith({ enabled: false, maxPending: 1 });
    const held = [ask(client, 'one'), ask(client, 'two'), ask(client, 'three')];
    await until(() => provider.arrived() === 3, 'all three at the provider');
    provider.release();
    expect((await Promise.all(held)).length).toBe(3);
  });
});

describe('the start queue', () => {
  it('queues starts past the turn budget and refuses while its oldest has waited over maxQueueMs', async () => {
    let clock = 0;
    const deferred: Array<() => void> = [];
    const metrics = new GatewayMetrics();
    const started: string[] = [];
    const admission = createAdmission({
      config: { enabled: true, maxQueueMs: 100, maxPending: 100, retryAfterMs: 1000 },
      metrics,
      now: () => clock,
      defer: (run) => deferred.push(run),
    });
    const server = http.createServer(
      admission.wrap((req, res) => {
        started.push(req.url!);
        res.end('ok');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The first start of a turn runs at once.
    expect((await fetch(`${base}/a`)).status).toBe(200);
    // Still the same turn (its end is deferred), past the budget: queued.
    clock = TURN_BUDGET_MS + 1;
    const queued = fetch(`${base}/b`);
    await until(() => metrics.admissionQueued === 1, '/b queued');
    // Its oldest has now waited longer than maxQueueMs: the next arrival is refused at once.
    clock += 101;
    const refused = await fetch(`${base}/c`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(metrics.admissionRefusals).toBe(1);
    // Probes skip the queue.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(started).toEqual(['/a', '/healthz']);

    // The next turn ends the old one and drains the queue.
    for (const run of deferred.splice(0)) run();
    expect((await queued).status).toBe(200);
    expect(metrics.admissionQueued).toBe(0);
    expect((await fetch(`${base}/d`)).status).toBe(200);
    expect(started).toEqual(['/a', '/healthz', '/b', '/d']);
    expect(metrics.admissionPending).toBe(0);
  });
});
