/**
 * Child process for the crash test: writes turns on several keys at once, as
 * concurrent keyed runs would, until it is killed. Reports progress on stdout.
 * Usage: node --import tsx crashWriter.ts <stateDir> <keys>
 */
import type { ChatMessage } from '../../src/messages.js';
import { openSqliteSessionStore } from '../../src/node/sessions/sqliteStore.js';

const [stateDir, keyCount = '6'] = process.argv.slice(2);
if (!stateDir) throw new Error('usage: crashWriter.ts <stateDir> [keys]');

const store = openSqliteSessionStore(stateDir);
const padding = 'x'.repeat(2000);
let written = 0;

/** Every other turn is a tool round trip, so turns differ in size. */
function turnMessages(key: string, n: number): ChatMessage[] {
  const user: ChatMessage = { role: 'user', content: `${key} turn ${n}` };
  const answer: ChatMessage = { role: 'assistant', content: `${key} answer ${n} ${padding}` };
  if (n % 2 === 0) return [user, answer];
  return [
    user,
    { role: 'assistant', content: null, toolCalls: [{ id: `c${n}`, name: 'get_time', arguments: '{}' }] },
    { role: 'tool', toolCallId: `c${n}`, content: padding },
    answer,
  ];
}

async function writeForever(key: string): Promise<never> {
  const start = (await store.load(key))?.messages.filter((m) => m.role === 'user').length ?? 0;
  for (let n = start; ; n++) {
    await store.appendTurn(key, 'main', turnMessages(key, n), {
      promptTokens: 3,
      completionTokens: 5,
      cachedTokens: 1,
      totalTokens: 8,
    });
    if (++written % 50 === 0) process.stdout.write(`${written}\n`);
    // Let the other keys' loops (and stdout) run between turns.
    if (n % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

await Promise.all(Array.from({ length: Number(keyCount) }, (_, i) => writeForever(`agent:main:k${i}`)));
