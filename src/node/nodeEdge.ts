import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { GatewayConfig } from '../config/schema.js';
import type { HttpEdge } from '../http/httpEdge.js';
import { clientGoneSignal } from './clientGoneSignal.js';
import { controlUiFiles } from './controlUiFiles.js';
import { createDirectSse } from './directSse.js';
import { readIncomingBody } from './incomingBody.js';
import { localAddresses } from './localAddresses.js';

export interface NodeEdge {
  /** Every part of the HTTP edge in its Node version, except the two the server adds (they need its state). */
  edge: Omit<HttpEdge, 'websocket' | 'metrics'>;
  /** Sends a direct event stream the app returned; false for any other response, which the adapter sends. */
  sendDirect(res: Response, outgoing: ServerResponse): boolean;
}

/**
 * The Node speed-ups over the Web-Standards default, gathered here: the peer address from the
 * socket, event streams written straight to the response, a client-gone signal from the socket's
 * close event, and the body read from node:http, none of which builds a WHATWG Request; and what only
 * a runtime with files and network interfaces has: the Control UI's files and the machine's addresses.
 * The bindings are always node:http's: the server is an HTTP/1 server.
 */
export function createNodeEdge(config: GatewayConfig): NodeEdge {
  const directSse = createDirectSse();
  const bindings = (c: Context) => c.env as HttpBindings;
  return {
    edge: {
      clientIp: (c) => getConnInfo(c).remote.address ?? 'unknown',
      sse: directSse.streamer,
      requestSignal: (c) => clientGoneSignal(bindings(c)),
      readBody: (c, maxBytes) => readIncomingBody(bindings(c), maxBytes),
      controlUiFiles: controlUiFiles(config.gateway.controlUi),
      localAddresses: localAddresses(),
    },
    sendDirect: directSse.send,
  };
}
