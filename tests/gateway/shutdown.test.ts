import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';

let fake: FakeProvider | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await fake?.close();
  gw = undefined;
  fake = undefined;
});

const ask = (g: TestGateway) =>
  g.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'slow please' }] }),
  });

/** The request is in flight once the provider has it; a fixed sleep raced the loaded CI box. */
async function providerReached(provider: FakeProvider): Promise<void> {
  const deadline = Date.now() + 5000;
  while (provider.requests.length === 0) {
    if (Date.now() > deadline) throw new Error('the provider never received the request');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('graceful stop', () => {
  it('lets a request in flight finish, refuses new connections, then closes', async () => {
    fake = await startFakeOpenAI({ delayMs: 40 });
    fake.setDefault({ text: 'one two three four five six seven eight' });
    gw = await startTestGateway(chatConfig(withFakeProvider(fake.url)));
    const inFlight = ask(gw);
    await providerReached(fake);
    const stopping = gw.close('test');
    expect(gw.ctx.shuttingDown()).toBe(true);
    const res = await inFlight;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe('one two three four five six seven eight');
    await stopping;
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
  });

  it('aborts work still running when the grace period ends', async () => {
    fake = await startFakeOpenAI({ delayMs: 1000 });
    fake.setDefault({ text: 'a b c d e f g h i j' });
    gw = await startTestGateway(chatConfig(withFakeProvider(fake.url, { gateway: { shutdownGraceMs: 200 } })));
    const inFlight = ask(gw).catch((err: unknown) => err);
    await providerReached(fake);
    const started = Date.now();
    await gw.close('test');
    expect(Date.now() - started).toBeLessThan(3000);
    await fake.waitForClose(1, 3000);
    await inFlight;
  });
});
