import { z } from 'zod';
import type { ChatMessage, ContentPart } from '../../messages.js';
import { resolveAgentTarget } from '../agentTarget.js';
import { invalidRequest } from '../errorCodes.js';
import type { ChatRunEntry } from '../gatewayHub.js';
import { outcomeOf } from '../runTracker.js';
import { claimShared, drain, refuseWhileShuttingDown, runDeadline, startRun } from './agent.js';
import { defineMethod } from './method.js';

const attachmentSchema = z.object({
  type: z.string().optional(),
  mimeType: z.string().optional(),
  fileName: z.string().optional(),
  /** Base64, with or without a `data:` prefix. */
  content: z.string(),
});

export const chatSendParamsSchema = z.strictObject({
  sessionKey: z.string().min(1),
  message: z.string(),
  idempotencyKey: z.string().min(1).max(256),
  sessionId: z.string().optional(),
  thinking: z.string().optional(),
  deliver: z.boolean().optional(),
  attachments: z.array(attachmentSchema).max(16).optional(),
  timeoutMs: z.number().int().min(0).optional(),
});

const DATA_URL = /^data:([^;,]+);base64,/;

function userContent(
  message: string,
  attachments: z.output<typeof attachmentSchema>[] | undefined,
): string | ContentPart[] {
  if (!attachments || attachments.length === 0) {
    if (message.trim() === '')
      throw invalidRequest('message must not be empty', { code: 'INVALID_PARAMS', param: 'message' });
    return message;
  }
  const parts: ContentPart[] = message.trim() === '' ? [] : [{ type: 'text', text: message }];
  for (const [i, a] of attachments.entries()) {
    const prefix = DATA_URL.exec(a.content);
    const mimeType = a.mimeType ?? prefix?.[1];
    if (mimeType === undefined || !mimeType.startsWith('image/')) {
      throw invalidRequest(`attachments[${i}]: only images are supported`, {
        code: 'INVALID_PARAMS',
        param: `attachments.${i}`,
      });
    }
    parts.push({ type: 'image', mimeType, data: prefix ? a.content.slice(prefix[0].length) : a.content });
  }
  return parts;
}

export const chatSendMethod = defineMethod({
  name: 'chat.send',
  scope: 'write',
  params: chatSendParamsSchema,
  async handle(params, { ctx, hub }): Promise<ChatSendResult> {
    const existing = hub.chatRuns.get(params.idempotencyKey);
    if (existing) return { runId: existing.runId, status: existing.done ? 'ok' : 'in_flight' };
    refuseWhileShuttingDown(ctx);
    const target = resolveAgentTarget(ctx.agents, { sessionKey: params.sessionKey });
    const content = userContent(params.message, params.attachments);
    const elsewhere = await claimShared(ctx, { runId: params.idempotencyKey, ...target });
    if (elsewhere) return { runId: elsewhere.runId, status: elsewhere.result ? 'ok' : 'in_flight' };
    const handle = startRun(ctx, {
      agentId: target.agentId,
      sessionKey: target.sessionKey,
      stateless: false,
      messages: [{ role: 'user', content }],
      runId: params.idempotencyKey,
    });
    drain(handle);
    const deadline = runDeadline(handle, params.timeoutMs);
    const entry: ChatRunEntry = { runId: handle.runId, done: false };
    hub.chatRuns.set(params.idempotencyKey, entry);
    void handle.result.then((result) => {
      deadline.clear();
      entry.done = true;
      hub.tracker.settle(result.runId, outcomeOf(result));
    });
    return { runId: handle.runId, status: 'started' };
  },
});

/** `chat.send` result: the run started, or what became of the one this idempotency key started. */
export interface ChatSendResult {
  runId: string;
  status: 'started' | 'in_flight' | 'ok';
}

export type HistoryPart =
  | { type: 'text'; text: string; truncated?: true }
  | { type: 'image'; mimeType: string }
  | { type: 'image_url'; url: string }
  | { type: 'toolCall'; id: string; name: string; arguments: string };

function clip(text: string, maxChars: number | undefined): { type: 'text'; text: string; truncated?: true } {
  if (maxChars === undefined || text.length <= maxChars) return { type: 'text', text };
  return { type: 'text', text: text.slice(0, maxChars), truncated: true };
}

/** A stored message in the shape OpenClaw's chat clients render. */
export type HistoryMessage =
  | { role: 'user' | 'assistant'; content: HistoryPart[] }
  | { role: 'toolResult'; toolCallId: string; toolName?: string; content: HistoryPart[] };

export interface ChatHistoryResult {
  sessionKey: string;
  sessionId: string | null;
  messages: HistoryMessage[];
}

export interface ChatAbortResult {
  ok: true;
  aborted: boolean;
  runIds: string[];
}

/** Stored messages in the shape OpenClaw's chat clients render; image bytes are left out. */
function historyMessage(message: ChatMessage, maxChars: number | undefined): HistoryMessage {
  switch (message.role) {
    case 'user': {
      const parts: HistoryPart[] =
        typeof message.content === 'string'
          ? [clip(message.content, maxChars)]
          : message.content.map((p): HistoryPart => {
              if (p.type === 'text') return clip(p.text, maxChars);
              if (p.type === 'image') return { type: 'image', mimeType: p.mimeType };
              return { type: 'image_url', url: p.url };
            });
      return { role: 'user', content: parts };
    }
    case 'assistant': {
      const parts: HistoryPart[] = message.content ? [clip(message.content, maxChars)] : [];
      for (const call of message.toolCalls ?? [])
        parts.push({ type: 'toolCall', id: call.id, name: call.name, arguments: call.arguments });
      return { role: 'assistant', content: parts };
    }
    case 'tool':
      return {
        role: 'toolResult',
        toolCallId: message.toolCallId,
        ...(message.name !== undefined ? { toolName: message.name } : {}),
        content: [clip(message.content, maxChars)],
      };
  }
}

export const chatHistoryMethod = defineMethod({
  name: 'chat.history',
  scope: 'read',
  params: z.object({
    sessionKey: z.string().min(1),
    limit: z.number().int().min(1).max(1000).optional(),
    maxChars: z.number().int().min(1).optional(),
  }),
  async handle(params, { ctx }): Promise<ChatHistoryResult> {
    const stored = await ctx.store.load(params.sessionKey);
    const messages = stored?.messages ?? [];
    const limit = params.limit ?? 200;
    return {
      sessionKey: params.sessionKey,
      sessionId: stored?.session.sessionId ?? null,
      messages: messages.slice(-limit).map((m) => historyMessage(m, params.maxChars)),
    };
  },
});

/**
 * Works for any run on the key, whichever transport started it (HTTP runs included), and
 * on whichever replica runs it when they share PostgreSQL.
 */
export const chatAbortMethod = defineMethod({
  name: 'chat.abort',
  scope: 'write',
  params: z.object({ sessionKey: z.string().min(1), runId: z.string().min(1).optional() }),
  async handle(params, { ctx }): Promise<ChatAbortResult> {
    const runIds: string[] = [];
    for (const run of [...ctx.runtime.activeRuns()]) {
      if (run.sessionKey !== params.sessionKey) continue;
      if (params.runId !== undefined && run.runId !== params.runId) continue;
      if (ctx.runtime.abortRun(run.runId, 'chat.abort')) runIds.push(run.runId);
    }
    if (ctx.sharedRuns !== undefined) {
      try {
        runIds.push(...(await ctx.sharedRuns.abortElsewhere(params.sessionKey, params.runId, 'chat.abort')));
      } catch (err) {
        ctx.log.log('warn', 'chat.abort could not reach the other replicas', { error: String(err) });
      }
    }
    return { ok: true, aborted: runIds.length > 0, runIds };
  },
});
