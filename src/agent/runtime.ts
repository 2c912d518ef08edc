import type { ChatMessage, SamplingParams, ToolChoice, ToolSpec } from '../messages.js';
import type { RunEvent, RunResult } from './events.js';

export interface RunInput {
  /** Normalised agent id; must be configured. */
  agentId: string;
  /** Full session key (`agent:<id>:...`) or an explicit one from the client. */
  sessionKey: string;
  /** A key made fresh for one request: kept in memory only, nothing written. */
  stateless: boolean;
  /** New messages from the client (no system/developer: those go in extraSystemPrompt). */
  messages: ChatMessage[];
  extraSystemPrompt?: string;
  clientTools?: ToolSpec[];
  toolChoice?: ToolChoice;
  sampling?: SamplingParams;
  signal?: AbortSignal;
  /**
   * One plain model call (a chat UI's housekeeping prompt): no agent system prompt, no tools,
   * no session read or write, on `agents.defaults.utilityModel` when set.
   */
  plain?: boolean;
  /** Caller-chosen id (for example `chatcmpl-...`); generated when absent. */
  runId?: string;
}

export interface RunHandle {
  runId: string;
  sessionKey: string;
  agentId: string;
  /** Every event of the run, in order, ending with lifecycle.end or lifecycle.error. Single consumer. */
  events: AsyncIterable<RunEvent>;
  /** Settles when the run ends; never rejects (errors are in `result.error`). */
  result: Promise<RunResult>;
  abort(reason?: string): void;
}

/** The one run path shared by HTTP, WebSocket and CLI. */
export interface AgentRuntime {
  /**
   * Admits a run or throws `RunFailure` at once (busy, unknown agent, invalid input),
   * so a transport can still answer with a status before it sends headers.
   */
  start(input: RunInput): RunHandle;
  /** Lets other transports watch runs (WS broadcasts, chat.abort of HTTP runs). */
  subscribe(listener: (event: RunEvent) => void): () => void;
  /** Aborts a running run by id; false when no such run is active. */
  abortRun(runId: string, reason?: string): boolean;
  /** Runs started and not yet ended, and how many of them still wait for their session or a slot. */
  counts(): { active: number; queued: number };
  activeRuns(): Iterable<{ runId: string; sessionKey: string; agentId: string; startedAt: number }>;
}
