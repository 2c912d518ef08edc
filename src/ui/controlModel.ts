import type { Conversation } from './conversation.js';
import type { LinkState } from './gatewayClient.js';
import type { AgentsListResult, SessionRow } from './protocol.js';
import type { AuthMode } from './secretStore.js';
import type { StatusFeed } from './statusFeed.js';

export type View = 'chat' | 'sessions' | 'status';

/** What the views read and the actions they call; the app element implements it. */
export interface ControlModel {
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
  askReset(key: string): void;
  askDelete(key: string): void;
}
