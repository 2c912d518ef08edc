import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import type { ControlModel } from '../controlModel.js';
import type { ChatItem, ToolStep } from '../conversation.js';
import { renderMarkdown } from '../markdown.js';

function stepView(step: ToolStep) {
  const state = step.result === undefined ? 'running' : step.isError ? 'failed' : 'done';
  return html`<details class="step step-${state}">
    <summary>
      <span class="step-icon" aria-hidden="true"></span>
      <span class="step-name">${step.name}</span>
      <span class="step-state">${state}</span>
    </summary>
    <div class="step-body">
      <p class="step-label">Arguments</p>
      <pre><code>${step.args || '{}'}</code></pre>
      ${
        step.result !== undefined
          ? html`<p class="step-label">${step.isError ? 'Error' : 'Result'}</p>
              <pre><code>${step.result}</code></pre>`
          : nothing
      }
    </div>
  </details>`;
}

function itemView(app: ControlModel, item: ChatItem) {
  switch (item.kind) {
    case 'user':
      return html`<article class="msg msg-user" aria-label="You">
        <div class="bubble">${item.text}</div>
      </article>`;
    case 'error':
      return html`<div class="msg msg-error"><strong>Error</strong> ${item.message}</div>`;
    case 'assistant':
      return html`<article class="msg msg-assistant" aria-label=${app.agentName} aria-busy=${item.phase === 'streaming' ? 'true' : 'false'}>
        <div class="who" aria-hidden="true">${app.agentName}</div>
        ${item.steps.length > 0 ? html`<div class="steps">${item.steps.map(stepView)}</div>` : nothing}
        ${item.text !== '' ? html`<div class="md">${unsafeHTML(renderMarkdown(item.text))}</div>` : nothing}
        ${
          item.phase === 'streaming' && item.text === ''
            ? html`<div class="typing" role="img" aria-label="Thinking"><span></span><span></span><span></span></div>`
            : nothing
        }
        ${item.phase === 'stopped' ? html`<p class="stopped">Stopped</p>` : nothing}
      </article>`;
  }
}

/** The conversation on the open session, the agent picker and the composer. */
export function chatView(app: ControlModel) {
  const conversation = app.conversation;
  const agents = app.agents?.agents ?? [];
  const streaming = conversation?.streaming ?? false;
  const canSend = app.connected && !streaming && app.draft.trim() !== '';
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void app.send();
    }
  };
  const onInput = (e: InputEvent) => app.setDraft((e.target as HTMLTextAreaElement).value);
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    void app.send();
  };
  const items = conversation?.items ?? [];
  return html`
    <section class="chat" aria-labelledby="chat-title">
      <h1 id="chat-title" class="visually-hidden" tabindex="-1">Chat</h1>
      <div class="chat-bar">
        <div class="field-inline">
          <label for="agent">Agent</label>
          <select id="agent" @change=${(e: Event) => app.selectAgent((e.target as HTMLSelectElement).value)}>
            ${agents.map(
              (a) => html`<option value=${a.id} ?selected=${a.id === app.agentId}>${a.name || a.id}</option>`,
            )}
          </select>
        </div>
        <p class="session-key" title="Session key">
          <span class="muted">Session</span> <code>${conversation?.sessionKey ?? ''}</code>
        </p>
        <button type="button" class="secondary small" @click=${() => app.newSession()}>New session</button>
      </div>
      <div class="messages" role="log" aria-label="Conversation" tabindex="0" @scroll=${(e: Event) =>
        app.noteScroll(e.currentTarget as HTMLElement)}>
        ${
          items.length === 0
            ? html`<div class="empty">
                <p class="empty-title">Start a conversation with ${app.agentName}</p>
                <p class="muted">Replies stream in here. Markdown, code and tool steps included.</p>
              </div>`
            : repeat(
                items,
                (i) => i.id,
                (i) => itemView(app, i),
              )
        }
      </div>
      <form class="composer" @submit=${onSubmit}>
        <label for="message" class="visually-hidden">Message</label>
        <textarea
          id="message"
          rows="1"
          .value=${live(app.draft)}
          placeholder=${`Message ${app.agentName}…`}
          aria-describedby="composer-hint"
          @keydown=${onKey}
          @input=${onInput}
        ></textarea>
        ${
          streaming
            ? html`<button type="button" class="stop" @click=${() => app.stop()}>
                <span class="stop-icon" aria-hidden="true"></span>Stop
              </button>`
            : nothing
        }
        <button type="submit" class="primary" ?disabled=${!canSend}>Send</button>
        <p id="composer-hint" class="hint composer-hint">Enter sends · Shift+Enter adds a line</p>
      </form>
    </section>
  `;
}
