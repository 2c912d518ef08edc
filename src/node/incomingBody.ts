import type { HttpBindings } from '@hono/node-server';

/** Drops a leading BOM, as fetch's `text()` does; throws on invalid UTF-8. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request body straight from node:http, as UTF-8 text with a leading BOM dropped (as
 * fetch's `text()` decodes), rejected when it is not valid UTF-8; undefined once it passes `maxBytes`, the rest left unread.
 */
export function readIncomingBody({ incoming }: HttpBindings, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      try {
        // Not `Buffer#toString`, which would turn invalid UTF-8 into U+FFFD and pass it on.
        resolve(utf8.decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
      } catch {
        reject(new Error('request body is not valid UTF-8'));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('request body cut short'));
    };
    if (incoming.readableEnded) {
      resolve('');
      return;
    }
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}
