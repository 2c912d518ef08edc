import { html, nothing } from 'lit';
import type { ControlModel } from '../controlModel.js';
import { durationText } from '../timeText.js';

/** The small connection badge in the top bar. */
export function linkPill(app: ControlModel) {
  const { link } = app;
  const [tone, text] =
    link.kind === 'connected'
      ? ['ok', `Connected · v${link.hello.server.version}`]
      : link.kind === 'reconnecting'
        ? ['warn', 'Reconnecting']
        : link.kind === 'connecting'
          ? ['warn', 'Connecting']
          : ['off', 'Not connected'];
  return html`<span class="pill pill-${tone}"><span class="dot" aria-hidden="true"></span>${text}</span>`;
}

/** Once connected, a dropped link says so above the page and when it tries again. */
export function linkBanner(app: ControlModel) {
  const { link } = app;
  if (!app.everConnected || (link.kind !== 'reconnecting' && link.kind !== 'connecting')) return nothing;
  const message =
    link.kind === 'reconnecting'
      ? `Connection lost: ${link.reason}. Reconnecting in ${durationText(Math.max(0, link.retryAt - Date.now()))}…`
      : 'Reconnecting to the gateway…';
  return html`<div class="banner" role="status">
    <span>${message}</span>
    ${
      link.kind === 'reconnecting'
        ? html`<button type="button" class="secondary small" @click=${() => app.retryNow()}>Retry now</button>`
        : nothing
    }
  </div>`;
}
