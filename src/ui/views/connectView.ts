import { html, nothing } from 'lit';
import type { ControlModel } from '../controlModel.js';
import { durationText } from '../timeText.js';

/** Before the first `hello-ok`: the secret form, or what the page is waiting for. */
export function connectView(app: ControlModel) {
  const { link } = app;
  const label = app.authMode === 'password' ? 'Password' : 'Gateway token';
  const waiting = link.kind === 'connecting' && app.refusal === undefined;
  const unreachable = link.kind === 'reconnecting';
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('secret') as HTMLInputElement;
    app.submitSecret(input.value);
  };
  return html`
    <section class="connect card" aria-labelledby="connect-title">
      <h1 id="connect-title" tabindex="-1">Connect to your gateway</h1>
      ${
        unreachable
          ? html`<p class="lead">
              Cannot reach the gateway (${link.reason}). Trying again in
              ${durationText(Math.max(0, link.retryAt - Date.now()))}…
            </p>`
          : html`<p class="lead">
              Chat with your agents, watch them work and manage sessions. The ${label.toLowerCase()} stays in this tab
              only.
            </p>`
      }
      <form @submit=${onSubmit} novalidate>
        <label for="secret">${label}</label>
        <input
          id="secret"
          name="secret"
          type="password"
          autocomplete="off"
          spellcheck="false"
          aria-describedby="secret-help"
          aria-invalid=${app.refusal !== undefined ? 'true' : 'false'}
        />
        <p id="secret-help" class="hint">
          ${
            app.authMode === 'password'
              ? html`The value of <code>gateway.auth.password</code> or <code>OPENCLAW_GATEWAY_PASSWORD</code>.`
              : html`The value of <code>gateway.auth.token</code> or <code>OPENCLAW_GATEWAY_TOKEN</code>, or open the
                  link <code>openclaw gateway</code> prints.`
          }
        </p>
        ${app.refusal !== undefined ? html`<p class="alert" role="alert">${app.refusal}</p>` : nothing}
        <div class="form-actions">
          <button type="submit" class="primary">Connect</button>
          ${waiting ? html`<span class="muted" role="status">Connecting…</span>` : nothing}
        </div>
      </form>
    </section>
  `;
}
