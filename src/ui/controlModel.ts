import type { Conversation } from './conversation.js';
import type { LinkState } from './gatewayClient.js';
import type { AgentsListResult, SessionRow } from './protocol.js';
import type { AuthMode } from './secretStore.js';
import type { StatusFeed } from './statusFeed.js';

export type View = 'chat' | 'sessions' | 'status';

export type SessionChange = 'reset' | 'delete';

/** An action waiting for the person's yes in the confirmation dialog. */
export interface PendingConfirm {
  title: string;
  body: string;
  action: string;
  run: () => Promise<void>;
}

/** What the views read and the actions they call; the app element implements it. */
export interface ControlModel {
  readonly view: View;
  readonly link: LinkState;
  readonly authMode: AuthMode;
  readonly refusal: string | undefined;
  readonly everConnected: boolean;
  readonly agents: AgentsListResult | undefined;
  readonly agentId: string;
  readonly agentName: string;
  readonly connected: boolean;
  readonly conversation: Conversation | undefined;
  readonly draft: string;
  readonly sessions: SessionRow[] | undefined;
  readonly sessionsError: string | undefined;
  readonly status: StatusFeed;
  /** A short line for a screen reader and the eye after an action. */
  readonly notice: string;
  readonly confirm: PendingConfirm | undefined;

  submitSecret(secret: string): void;
  retryNow(): void;
  selectAgent(agentId: string): void;
  newSession(): void;
  send(): Promise<void>;
  stop(): Promise<void>;
  setDraft(value: string): void;
  noteScroll(el: HTMLElement): void;
  loadSessions(): Promise<void>;
  openSession(sessionKey: string, agentId: string): Promise<void>;
  askSessionChange(change: SessionChange, key: string): void;
  answerConfirm(ok: boolean): Promise<void>;
}
