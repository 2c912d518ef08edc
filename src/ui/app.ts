import { LitElement, type PropertyValues } from 'lit';
import { VERSION } from '../version.js';
import type { ControlModel, PendingConfirm, SessionChange, View } from './controlModel.js';
import { Conversation } from './conversation.js';
import { errorText, GatewayClient, type LinkState } from './gatewayClient.js';
import { randomId } from './ids.js';
import { gatewaySocketUrl, viewFromHash } from './pageAddress.js';
import type { AgentsListResult, ChatEventPayload, AgentEventPayload, EventFrame, SessionRow } from './protocol.js';
import { refusalFor } from './refusal.js';
import { sessionChangeConfirm } from './sessionChange.js';
import { type AuthMode, clearSecret, loadSecret, saveSecret, takeTokenFromAddress } from './secretStore.js';
import { StatusFeed } from './statusFeed.js';
import { shellView } from './views/shellView.js';

/**
 * The Control UI shell: owns the connection and the page state, renders the view for the address's
 * hash. Light DOM, so one stylesheet themes everything and labels reach their controls.
 */
export class ControlApp extends LitElement implements ControlModel {
  link: LinkState = { kind: 'idle' };
  authMode: AuthMode = 'token';
  /** Shown in the `role="alert"` under the secret field. */
  refusal: string | undefined;
  everConnected = false;
  view: View = viewFromHash(location.hash);
  agents: AgentsListResult | undefined;
  agentId = '';
  conversation: Conversation | undefined;
  draft = '';
  sessions: SessionRow[] | undefined;
  sessionsError: string | undefined;
  /** A short line for a screen reader and the eye after an action ("Session reset"). */
  notice = '';
  confirm: PendingConfirm | undefined;
  readonly status = new StatusFeed(
    () => this.client,
    () => this.requestUpdate(),
  );
  private readonly client = new GatewayClient({
    url: gatewaySocketUrl(),
    clientVersion: VERSION,
    onState: (state) => this.onLink(state),
    onEvent: (frame) => this.onEvent(frame),
  });
  private countdown: ReturnType<typeof setInterval> | undefined;
  private stickToBottom = true;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    const fromAddress = takeTokenFromAddress();
    if (fromAddress !== undefined) saveSecret('token', fromAddress);
    const stored = loadSecret();
    if (stored) this.authMode = stored.mode;
    this.client.start(stored ? { [stored.mode]: stored.secret } : undefined);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('hashchange', this.onHash);
    this.status.stop();
    super.disconnectedCallback();
  }

  // ---- connection

  private onLink(state: LinkState): void {
    const was = this.link.kind;
    this.link = state;
    clearInterval(this.countdown);
    if (state.kind === 'reconnecting') this.countdown = setInterval(() => this.requestUpdate(), 1000);
    if (state.kind === 'refused') this.onRefused(state.error.details?.code, state.error);
    if (state.kind === 'connected') {
      this.refusal = undefined;
      this.everConnected = true;
      void this.afterConnect(state.hello.snapshot.sessionDefaults.defaultAgentId);
    } else if (was === 'connected') {
      this.status.stop();
    }
    this.requestUpdate();
  }

  private onRefused(code: string | undefined, error: { message: string; retryAfterMs?: number }): void {
    const next = refusalFor(code, error, this.authMode);
    this.authMode = next.authMode;
    this.refusal = next.message;
    if (next.forgetSecret) clearSecret();
  }

  submitSecret(secret: string): void {
    const value = secret.trim();
    if (value === '') {
      this.refusal = `Enter the gateway ${this.authMode === 'password' ? 'password' : 'token'}.`;
      this.requestUpdate();
      return;
    }
    saveSecret(this.authMode, value);
    this.refusal = undefined;
    this.client.start({ [this.authMode]: value });
  }

  retryNow(): void {
    this.client.retryNow();
  }

  private async afterConnect(defaultAgentId: string): Promise<void> {
    try {
      this.agents = await this.client.request('agents.list', {});
    } catch (err) {
      this.notice = `Could not list agents: ${errorText(err)}`;
    }
    const ids = this.agents?.agents.map((a) => a.id) ?? [defaultAgentId];
    if (!ids.includes(this.agentId)) this.agentId = this.agents?.defaultId ?? defaultAgentId;
    // After a reconnect, stay on the session that was open.
    this.conversation?.forgetLiveRun();
    const key = this.conversation?.sessionKey ?? `agent:${this.agentId}:main`;
    await this.openSession(key, this.agentId, false);
    this.status.start();
    if (this.view === 'sessions') void this.loadSessions();
  }

  private onEvent(frame: EventFrame): void {
    const conversation = this.conversation;
    if (frame.event === 'chat') {
      const payload = frame.payload as ChatEventPayload;
      const ours = conversation?.items.some((i) => i.kind === 'assistant' && i.runId === payload.runId) ?? false;
      if (conversation?.applyChat(payload)) {
        // A run another client started here: its question is in the stored history.
        if (payload.state !== 'delta' && !ours) void this.reloadHistory();
        this.requestUpdate();
      }
      if (payload.state !== 'delta' && this.view === 'sessions') void this.loadSessions();
    } else if (frame.event === 'agent') {
      if (conversation?.applyAgent(frame.payload as AgentEventPayload)) this.requestUpdate();
    }
  }

  // ---- chat

  get agentName(): string {
    const agent = this.agents?.agents.find((a) => a.id === this.agentId);
    return agent?.name ?? this.agentId;
  }

  get connected(): boolean {
    return this.link.kind === 'connected';
  }

  async openSession(sessionKey: string, agentId: string, toChat = true): Promise<void> {
    this.agentId = agentId;
    if (this.conversation?.sessionKey !== sessionKey) this.conversation = new Conversation(sessionKey);
    this.stickToBottom = true;
    if (toChat && this.view !== 'chat') location.hash = '#/chat';
    this.requestUpdate();
    await this.reloadHistory();
  }

  private async reloadHistory(): Promise<void> {
    const conversation = this.conversation;
    if (!conversation || !this.connected) return;
    try {
      const history = await this.client.request('chat.history', { sessionKey: conversation.sessionKey, limit: 500 });
      if (this.conversation !== conversation) return;
      conversation.load(history.messages);
    } catch (err) {
      conversation.addError(`Could not load the history: ${errorText(err)}`);
    }
    this.requestUpdate();
  }

  selectAgent(agentId: string): void {
    void this.openSession(`agent:${agentId}:main`, agentId);
  }

  newSession(): void {
    void this.openSession(`agent:${this.agentId}:ui-${randomId(4)}`, this.agentId);
    this.notice = 'New session started';
    this.focusComposer();
  }

  async send(): Promise<void> {
    const conversation = this.conversation;
    const text = this.draft.trim();
    if (!conversation || text === '' || !this.connected || conversation.streaming) return;
    const runId = `ui-${randomId()}`;
    conversation.addUser(text, runId);
    this.draft = '';
    this.stickToBottom = true;
    this.requestUpdate();
    try {
      await this.client.request('chat.send', {
        sessionKey: conversation.sessionKey,
        message: text,
        idempotencyKey: runId,
      });
    } catch (err) {
      conversation.failRun(runId, errorText(err));
      this.requestUpdate();
    }
  }

  async stop(): Promise<void> {
    const conversation = this.conversation;
    if (!conversation?.activeRunId) return;
    try {
      await this.client.request('chat.abort', {
        sessionKey: conversation.sessionKey,
        runId: conversation.activeRunId,
      });
      this.notice = 'Stopping the reply';
    } catch (err) {
      conversation.addError(`Could not stop the reply: ${errorText(err)}`);
    }
    this.requestUpdate();
  }

  setDraft(value: string): void {
    const wasEmpty = this.draft.trim() === '';
    this.draft = value;
    // Re-render only when Send changes between enabled and disabled, not on every keystroke.
    if (wasEmpty !== (value.trim() === '')) this.requestUpdate();
  }

  noteScroll(el: HTMLElement): void {
    this.stickToBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  }

  private focusComposer(): void {
    void this.updateComplete.then(() => this.querySelector<HTMLTextAreaElement>('#message')?.focus());
  }

  // ---- sessions

  async loadSessions(): Promise<void> {
    if (!this.connected) return;
    try {
      const list = await this.client.request('sessions.list', { limit: 500 });
      this.sessions = list.sessions;
      this.sessionsError = undefined;
    } catch (err) {
      this.sessionsError = errorText(err);
    }
    this.requestUpdate();
  }

  askSessionChange(change: SessionChange, key: string): void {
    this.confirm = sessionChangeConfirm(change, key, async () => {
      await this.client.request(change === 'reset' ? 'sessions.reset' : 'sessions.delete', { key });
      this.notice = `Session ${key} ${change === 'reset' ? 'reset' : 'deleted'}`;
      if (this.conversation?.sessionKey === key) await this.reloadHistory();
      await this.loadSessions();
    });
    this.requestUpdate();
  }

  async answerConfirm(ok: boolean): Promise<void> {
    const pending = this.confirm;
    this.confirm = undefined;
    this.requestUpdate();
    if (!ok || !pending) return;
    try {
      await pending.run();
    } catch (err) {
      this.notice = `${pending.action} failed: ${errorText(err)}`;
      this.sessionsError = this.notice;
    }
    this.requestUpdate();
  }

  // ---- view

  private readonly onHash = (): void => {
    this.view = viewFromHash(location.hash);
    if (this.view === 'sessions') void this.loadSessions();
    if (this.view === 'chat') this.stickToBottom = true;
    this.requestUpdate();
    void this.updateComplete.then(() => this.querySelector<HTMLElement>('main h1, main h2')?.focus());
  };

  protected override updated(_changed: PropertyValues): void {
    const dialog = this.querySelector<HTMLDialogElement>('dialog.confirm');
    if (dialog && this.confirm && !dialog.open) dialog.showModal();
    if (dialog && !this.confirm && dialog.open) dialog.close();
    if (this.stickToBottom) {
      const log = this.querySelector<HTMLElement>('.messages');
      if (log) log.scrollTop = log.scrollHeight;
    }
  }

  protected override render() {
    return shellView(this);
  }
}
