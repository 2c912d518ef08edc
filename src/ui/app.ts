import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { VERSION } from '../version.js';
import logoUrl from './favicon.svg';
import type { ControlModel, View } from './controlModel.js';
import { Conversation } from './conversation.js';
import { GatewayClient, GatewayRequestError, type LinkState } from './gatewayClient.js';
import { randomId } from './ids.js';
import type { AgentsListResult, ChatEventPayload, AgentEventPayload, EventFrame, SessionRow } from './protocol.js';
import { type AuthMode, clearSecret, loadSecret, saveSecret, takeTokenFromAddress } from './secretStore.js';
import { StatusFeed } from './statusFeed.js';
import { chatView } from './views/chatView.js';
import { connectView } from './views/connectView.js';
import { linkBanner, linkPill } from './views/linkViews.js';
import { sessionsView } from './views/sessionsView.js';
import { statusView } from './views/statusView.js';

export interface PendingConfirm {
  title: string;
  body: string;
  action: string;
  run: () => Promise<void>;
}

function viewFromHash(hash: string): View {
  if (hash === '#/sessions') return 'sessions';
  if (hash === '#/status') return 'status';
  return 'chat';
}

function errorText(err: unknown): string {
  if (err instanceof GatewayRequestError) return err.shape.message;
  return err instanceof Error ? err.message : String(err);
}

/** The gateway this page came from: its WebSocket is on `/` of the same origin. */
function gatewaySocketUrl(): string {
  const url = new URL('/', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

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
    if (code === 'AUTH_PASSWORD_MISSING' || code === 'AUTH_PASSWORD_MISMATCH') this.authMode = 'password';
    if (code === 'AUTH_TOKEN_MISSING' || code === 'AUTH_TOKEN_MISMATCH') this.authMode = 'token';
    const what = this.authMode === 'password' ? 'password' : 'token';
    if (code?.endsWith('_MISSING')) {
      this.refusal = undefined;
      return;
    }
    clearSecret();
    if (code?.endsWith('_MISMATCH')) this.refusal = `The gateway refused this ${what}. Check it and try again.`;
    else if (code === 'AUTH_RATE_LIMITED')
      this.refusal = `Too many wrong attempts from this address. Try again in ${Math.ceil((error.retryAfterMs ?? 60_000) / 1000)} s.`;
    else this.refusal = `The gateway refused the connection: ${error.message}`;
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

  askReset(key: string): void {
    this.confirm = {
      title: 'Reset this session?',
      body: `${key} keeps its key but starts again with an empty history. A reply in progress is stopped.`,
      action: 'Reset',
      run: async () => {
        await this.client.request('sessions.reset', { key });
        this.notice = `Session ${key} reset`;
        if (this.conversation?.sessionKey === key) await this.reloadHistory();
        await this.loadSessions();
      },
    };
    this.requestUpdate();
  }

  askDelete(key: string): void {
    this.confirm = {
      title: 'Delete this session?',
      body: `${key} and its whole history are removed from the gateway. This cannot be undone.`,
      action: 'Delete',
      run: async () => {
        await this.client.request('sessions.delete', { key });
        this.notice = `Session ${key} deleted`;
        if (this.conversation?.sessionKey === key) await this.reloadHistory();
        await this.loadSessions();
      },
    };
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

  private navLink(view: View, label: string) {
    return html`<a href="#/${view}" aria-current=${this.view === view ? 'page' : nothing}>${label}</a>`;
  }

  protected override render() {
    const showApp = this.everConnected && this.link.kind !== 'refused';
    return html`
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <div class="brand">
          <img src=${logoUrl} alt="" width="28" height="28" />
          <span class="brand-name">OpenClaw <span class="brand-sub">Gateway</span></span>
        </div>
        ${
          showApp
            ? html`<nav aria-label="Views">
                ${this.navLink('chat', 'Chat')}${this.navLink('sessions', 'Sessions')}${this.navLink('status', 'Status')}
              </nav>`
            : nothing
        }
        ${linkPill(this)}
      </header>
      ${linkBanner(this)}
      <main id="main">
        ${
          showApp
            ? this.view === 'sessions'
              ? sessionsView(this)
              : this.view === 'status'
                ? statusView(this)
                : chatView(this)
            : connectView(this)
        }
      </main>
      <p class="visually-hidden" role="status">${this.notice}</p>
      <dialog
        class="confirm"
        aria-labelledby="confirm-title"
        @cancel=${(e: Event) => {
          e.preventDefault();
          void this.answerConfirm(false);
        }}
      >
        ${
          this.confirm
            ? html`<h2 id="confirm-title">${this.confirm.title}</h2>
                <p>${this.confirm.body}</p>
                <div class="dialog-actions">
                  <button type="button" class="secondary" @click=${() => this.answerConfirm(false)}>Cancel</button>
                  <button type="button" class="danger" @click=${() => this.answerConfirm(true)}>
                    ${this.confirm.action}
                  </button>
                </div>`
            : nothing
        }
      </dialog>
    `;
  }
}
