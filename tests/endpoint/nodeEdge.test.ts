import { chatConfig, startTestGateway, withFakeProvider } from '../helpers/gateway.js';
import { CORE_MAX_BODY_BYTES, describeEndpointCore } from './endpointCore.js';

// The same behaviours over real sockets, on the Node edge and its fast paths.
describeEndpointCore('Node edge, over a real socket', async (providerUrl) => {
  const gw = await startTestGateway(
    chatConfig(
      withFakeProvider(providerUrl, {
        gateway: { http: { endpoints: { chatCompletions: { maxBodyBytes: CORE_MAX_BODY_BYTES } } } },
      }),
    ),
  );
  return {
    url: gw.url,
    token: gw.token,
    fetch: globalThis.fetch,
    activeRuns: () => [...gw.ctx.runtime.activeRuns()].length,
    close: () => gw.stop(),
  };
});
