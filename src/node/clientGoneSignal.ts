import type { HttpBindings } from '@hono/node-server';

/**
 * A signal that aborts when the response closes before it finished, with the reasons
 * @hono/node-server gives `c.req.raw.signal`. Reading that signal makes the adapter build a
 * full WHATWG Request for the call (headers copied, body wrapped in web streams); this needs
 * only the socket's close event.
 */
export function clientGoneSignal({ incoming, outgoing }: HttpBindings): AbortSignal {
  const controller = new AbortController();
  outgoing.once('close', () => {
    if (incoming.errored) controller.abort(incoming.errored.toString());
    else if (!outgoing.writableFinished) controller.abort('Client connection prematurely closed.');
  });
  return controller.signal;
}
