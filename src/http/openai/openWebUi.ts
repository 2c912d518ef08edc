import type { RequestMessage } from './requestSchema.js';

/**
 * Open WebUI's habits. It sends its housekeeping prompts (title, tags, follow-ups, search
 * queries, autocomplete; they begin with `### Task:`) as ordinary chat completions, and with
 * ENABLE_FORWARD_USER_INFO_HEADERS it names the chat a request belongs to.
 * @see ../../../../shared/reference/clients-and-peers.md (A1, points 9 and 10)
 */

/** Whether the newest user message is a housekeeping prompt; patterns compiled once, here. */
export function taskPromptMatcher(patterns: readonly string[]): (messages: readonly RequestMessage[]) => boolean {
  if (patterns.length === 0) return () => false;
  const res = patterns.map((p) => new RegExp(p));
  return (messages) => {
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i]!;
      if (message.role !== 'user') continue;
      const text = textOf(message.content);
      return res.some((re) => re.test(text));
    }
    return false;
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/** Open WebUI's chat ids are UUIDs (`local:<id>` for temporary chats); anything else is ignored. */
const CHAT_ID = /^[A-Za-z0-9_:.-]{1,128}$/;

export function openWebUiChatId(header: string | undefined): string | undefined {
  const id = header?.trim();
  return id !== undefined && CHAT_ID.test(id) && !id.includes('..') ? id : undefined;
}
