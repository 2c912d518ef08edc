import { html, nothing } from 'lit';
import logoUrl from '../favicon.svg';
import type { ControlModel, View } from '../controlModel.js';
import { chatView } from './chatView.js';
import { connectView } from './connectView.js';
import { linkBanner, linkPill } from './linkViews.js';
import { sessionsView } from './sessionsView.js';
import { statusView } from './statusView.js';

function navLink(model: ControlModel, view: View, label: string) {
  return html`<a href="#/${view}" aria-current=${model.view === view ? 'page' : nothing}>${label}</a>`;
}

/** The page's frame: top bar and navigation, the current view, the status line and the confirmation dialog. */
export function shellView(model: ControlModel) {
  const showApp = model.everConnected && model.link.kind !== 'refused';
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
              ${navLink(model, 'chat', 'Chat')}${navLink(model, 'sessions', 'Sessions')}${navLink(model, 'status', 'Status')}
            </nav>`
          : nothing
      }
      ${linkPill(model)}
    </header>
    ${linkBanner(model)}
    <main id="main">
      ${
        showApp
          ? model.view === 'sessions'
            ? sessionsView(model)
            : model.view === 'status'
              ? statusView(model)
              : chatView(model)
          : connectView(model)
      }
    </main>
    <p class="visually-hidden" role="status">${model.notice}</p>
    <dialog
      class="confirm"
      aria-labelledby="confirm-title"
      @cancel=${(e: Event) => {
        e.preventDefault();
        void model.answerConfirm(false);
      }}
    >
      ${
        model.confirm
          ? html`<h2 id="confirm-title">${model.confirm.title}</h2>
              <p>${model.confirm.body}</p>
              <div class="dialog-actions">
                <button type="button" class="secondary" @click=${() => model.answerConfirm(false)}>Cancel</button>
                <button type="button" class="danger" @click=${() => model.answerConfirm(true)}>
                  ${model.confirm.action}
                </button>
              </div>`
          : nothing
      }
    </dialog>
  `;
}
