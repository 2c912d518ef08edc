import { html, nothing } from 'lit';
import type { ControlModel } from '../controlModel.js';
import type { SessionRow } from '../protocol.js';
import { agoText } from '../timeText.js';

function row(app: ControlModel, s: SessionRow, now: number) {
  const current = app.conversation?.sessionKey === s.key;
  return html`<li class="session ${current ? 'session-current' : ''}">
    <div class="session-main">
      <code class="session-name">${s.key}</code>
      <p class="session-meta">
        <span>${s.agentId}</span>
        <span>${s.messageCount} ${s.messageCount === 1 ? 'message' : 'messages'}</span>
        <span title=${new Date(s.updatedAt).toLocaleString()}>active ${agoText(s.updatedAt, now)}</span>
        ${s.totalTokens > 0 ? html`<span>${s.totalTokens.toLocaleString()} tokens</span>` : nothing}
        ${s.active ? html`<span class="badge">running</span>` : nothing}
        ${current ? html`<span class="badge badge-quiet">open in chat</span>` : nothing}
      </p>
    </div>
    <div class="session-actions">
      <button type="button" class="primary small" aria-label=${`Open ${s.key}`} @click=${() => app.openSession(s.key, s.agentId)}>
        Open
      </button>
      <button type="button" class="secondary small" aria-label=${`Reset ${s.key}`} @click=${() => app.askSessionChange('reset', s.key)}>
        Reset
      </button>
      <button type="button" class="danger-quiet small" aria-label=${`Delete ${s.key}`} @click=${() => app.askSessionChange('delete', s.key)}>
        Delete
      </button>
    </div>
  </li>`;
}

/** Stored sessions by key, newest first, each openable in the chat, resettable and deletable. */
export function sessionsView(app: ControlModel) {
  const now = Date.now();
  const sessions = app.sessions;
  return html`
    <section class="page" aria-labelledby="sessions-title">
      <div class="page-head">
        <h1 id="sessions-title" tabindex="-1">Sessions</h1>
        <button type="button" class="secondary small" @click=${() => app.loadSessions()}>Refresh</button>
      </div>
      ${app.sessionsError ? html`<p class="alert" role="alert">${app.sessionsError}</p>` : nothing}
      ${
        sessions === undefined
          ? html`<p class="muted">Loading…</p>`
          : sessions.length === 0
            ? html`<div class="empty card"><p class="empty-title">No stored sessions yet</p>
                <p class="muted">Start a chat and it appears here.</p></div>`
            : html`<ul class="session-list" aria-label="Stored sessions">${sessions.map((s) => row(app, s, now))}</ul>`
      }
    </section>
  `;
}
