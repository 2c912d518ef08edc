import { configSchema } from '../../src/config/schema.js';
import { assembleGateway, inProcessStorage } from '../../src/gatewayAssembly.js';
import { createApp } from '../../src/http/app.js';
import { webEdge } from '../../src/http/httpEdge.js';
import { silentLogger } from '../../src/log.js';
import { MemorySessionStore } from '../../src/sessions/memoryStore.js';
import { chatConfig, TEST_TOKEN, withFakeProvider } from '../helpers/gateway.js';
import { CORE_MAX_BODY_BYTES, describeEndpointCore } from './endpointCore.js';

// No listener and no Node part of the gateway: requests go straight into app.fetch, on the Web-Standards edge.
describeEndpointCore('Web-Standards edge, through app.fetch with no socket', async (providerUrl) => {
  const config = configSchema.parse(
    chatConfig(
      withFakeProvider(providerUrl, {
        gateway: {
          auth: { token: TEST_TOKEN },
          http: { endpoints: { chatCompletions: { maxBodyBytes: CORE_MAX_BODY_BYTES } } },
        },
      }),
    ),
  );
  const { ctx, markReady } = await assembleGateway({
    config,
    env: {},
    log: silentLogger,
    openStorage: async (metrics) => inProcessStorage(new MemorySessionStore(), config, metrics),
    workspace: { readText: async () => null },
    generateToken: () => 'unused',
  });
  markReady();
  const app = createApp(ctx, webEdge);
  return {
    url: 'http://gateway.test',
    token: TEST_TOKEN,
    fetch: (input, init) => {
      // As a runtime does: the caller's abort ends its wait at once, whatever the app does next.
      const request = new Request(input, init);
      return new Promise<Response>((resolve, reject) => {
        request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
        Promise.resolve(app.fetch(request)).then(resolve, reject);
      });
    },
    activeRuns: () => [...ctx.runtime.activeRuns()].length,
    close: () => ctx.store.close(),
  };
});
