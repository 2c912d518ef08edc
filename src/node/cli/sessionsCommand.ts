import { type Command, InvalidArgumentError } from 'commander';
import type { ChatMessage, ContentPart } from '../../messages.js';
import type { SessionRecord, SessionStore, StoredSession } from '../../sessions/store.js';

export type OpenSessionStore = (opts: { config?: string }) => Promise<SessionStore>;

/**
 * `openclaw sessions list|show|export`: lets a user see and take out their
 * data. Output goes through the command's `configureOutput()` writers, so a
 * caller (or a test) that configures the program before registering sees it.
 */
export function registerSessionsCommand(program: Command, openStore: OpenSessionStore): void {
  const sessions = program.command('sessions').description('List, show and export stored sessions');

  sessions
    .command('list')
    .description('List sessions, most recently updated first')
    .option('--agent <id>', 'only sessions of this agent')
    .option('--limit <n>', 'at most this many sessions', parseLimit)
    .option('--json', 'print JSON instead of a table')
    .option('--config <path>', 'config file (default: $OPENCLAW_CONFIG_PATH or the state dir)')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ agent?: string; limit?: number; json?: boolean; config?: string }>();
      const records = await withStore(openStore, opts.config, (store) =>
        store.list({ agentId: opts.agent, limit: opts.limit }),
      );
      const out = writerOf(cmd);
      if (opts.json) out(`${JSON.stringify(records, null, 2)}\n`);
      else out(records.length === 0 ? 'No sessions.\n' : formatTable(records));
    });

  sessions
    .command('show')
    .description('Print the transcript of a session')
    .argument('<key>', 'session key')
    .option('--config <path>', 'config file (default: $OPENCLAW_CONFIG_PATH or the state dir)')
    .action(async (key: string, _opts: unknown, cmd: Command) => {
      const stored = await loadOrFail(openStore, cmd, key);
      if (stored) writerOf(cmd)(formatTranscript(stored.session, stored.messages));
    });

  sessions
    .command('export')
    .description('Write a session as JSONL: the session record, then one line per message')
    .argument('<key>', 'session key')
    .option('--config <path>', 'config file (default: $OPENCLAW_CONFIG_PATH or the state dir)')
    .action(async (key: string, _opts: unknown, cmd: Command) => {
      const stored = await loadOrFail(openStore, cmd, key);
      if (!stored) return;
      const lines = [stored.session, ...stored.messages].map((value) => `${JSON.stringify(value)}\n`);
      writerOf(cmd)(lines.join(''));
    });
}

async function withStore<T>(
  openStore: OpenSessionStore,
  config: string | undefined,
  use: (store: SessionStore) => Promise<T>,
): Promise<T> {
  const store = await openStore(config === undefined ? {} : { config });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** The session named on the command line, or undefined after reporting an unknown key. */
async function loadOrFail(openStore: OpenSessionStore, cmd: Command, key: string): Promise<StoredSession | undefined> {
  const { config } = cmd.optsWithGlobals<{ config?: string }>();
  const stored = await withStore(openStore, config, (store) => store.load(key));
  if (!stored) unknownKey(cmd, key);
  return stored ?? undefined;
}

function writerOf(cmd: Command): (text: string) => void {
  return cmd.configureOutput().writeOut ?? ((text) => process.stdout.write(text));
}

function unknownKey(cmd: Command, key: string): void {
  // A key that is not there is not a usage mistake: the help would bury the message.
  cmd.showHelpAfterError(false);
  cmd.error(`error: unknown session key: ${key}`, { exitCode: 1, code: 'openclaw.sessions.unknownKey' });
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of 0 or more');
  return n;
}

function formatTable(records: SessionRecord[]): string {
  const header = ['KEY', 'AGENT', 'MESSAGES', 'TOKENS IN/OUT', 'UPDATED'];
  const rows = records.map((r) => [
    r.key,
    r.agentId,
    String(r.messageCount),
    `${r.inputTokens}/${r.outputTokens}`,
    new Date(r.updatedAt).toISOString(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows]
    .map((cells) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .map((line) => `${line}\n`)
    .join('');
}

function formatTranscript(session: SessionRecord, messages: ChatMessage[]): string {
  const lines = [
    `Session ${session.key} (agent ${session.agentId})`,
    `id ${session.sessionId}, created ${new Date(session.createdAt).toISOString()}, ` +
      `updated ${new Date(session.updatedAt).toISOString()}`,
    `${session.messageCount} messages, tokens in ${session.inputTokens} / out ${session.outputTokens}` +
      ` / cached ${session.cachedTokens}`,
  ];
  for (const message of messages) lines.push('', ...formatMessage(message));
  return `${lines.join('\n')}\n`;
}

function formatMessage(message: ChatMessage): string[] {
  switch (message.role) {
    case 'user':
      return ['user:', ...indent(contentText(message.content))];
    case 'assistant': {
      const lines = ['assistant:'];
      if (message.content !== null && message.content !== '') lines.push(...indent(message.content));
      for (const call of message.toolCalls ?? []) lines.push(`  -> ${call.name}(${call.arguments}) [${call.id}]`);
      return lines;
    }
    case 'tool':
      return [`tool${message.name ? ` ${message.name}` : ''} [${message.toolCallId}]:`, ...indent(message.content)];
  }
}

function contentText(content: string | ContentPart[]): string {
  if (typeof content === 'string') return content;
  return content.map(partText).join('\n');
}

function partText(part: ContentPart): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
      return `[image ${part.mimeType}, ${base64Bytes(part.data)} bytes]`;
    case 'image_url':
      return `[image ${part.url.startsWith('data:') ? 'data URL' : part.url}]`;
  }
}

function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

function indent(text: string): string[] {
  return text.split('\n').map((line) => `  ${line}`);
}
