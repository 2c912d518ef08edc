import { html, nothing, svg } from 'lit';
import type { ControlModel } from '../controlModel.js';
import type { StatusSample } from '../statusFeed.js';
import { durationText } from '../timeText.js';

const W = 600;
const H = 160;
const PAD = 6;

function points(samples: StatusSample[], value: (s: StatusSample) => number | undefined, max: number): string {
  if (samples.length === 0) return '';
  const first = samples[0]!.at;
  const span = Math.max(60_000, samples[samples.length - 1]!.at - first);
  return samples
    .map((s) => {
      const v = value(s);
      if (v === undefined) return '';
      const x = ((s.at - first) / span) * W;
      const y = H - PAD - (v / max) * (H - 2 * PAD);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .filter((p) => p !== '')
    .join(' ');
}

/** Requests per minute (when the gateway reports it) and active runs, over the sampled minutes. */
function chart(samples: StatusSample[]) {
  const hasRequests = samples.some((s) => s.requestsPerMinute !== undefined);
  const max = Math.max(1, ...samples.map((s) => Math.max(s.activeRuns, hasRequests ? (s.requestsPerMinute ?? 0) : 0)));
  const minutes = samples.length > 1 ? Math.max(1, Math.round((samples.at(-1)!.at - samples[0]!.at) / 60_000)) : 0;
  const summary = `${hasRequests ? `Requests per minute now ${samples.at(-1)?.requestsPerMinute ?? 0}, ` : ''}active runs now ${samples.at(-1)?.activeRuns ?? 0}, peak ${max}.`;
  return html`<figure class="chart card">
    <figcaption>
      <span class="chart-title">Activity${minutes > 0 ? html`, last ${minutes} min` : nothing}</span>
      <span class="legend">
        ${hasRequests ? html`<span class="key key-requests">Requests / min</span>` : nothing}
        <span class="key key-runs">Active runs</span>
      </span>
    </figcaption>
    <svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label=${summary}>
      <line class="grid" x1="0" y1=${PAD} x2=${W} y2=${PAD}></line>
      <line class="grid" x1="0" y1=${H / 2} x2=${W} y2=${H / 2}></line>
      <line class="grid" x1="0" y1=${H - PAD} x2=${W} y2=${H - PAD}></line>
      ${hasRequests ? svg`<polyline class="series series-requests" points=${points(samples, (s) => s.requestsPerMinute, max)}></polyline>` : nothing}
      <polyline class="series series-runs" points=${points(samples, (s) => s.activeRuns, max)}></polyline>
    </svg>
    <p class="chart-scale muted"><span>0</span><span>max ${max}</span></p>
    ${hasRequests ? nothing : html`<p class="hint">This gateway's status reports no request rate; showing active runs.</p>`}
  </figure>`;
}

function stat(label: string, value: string) {
  return html`<div class="stat card"><dt>${label}</dt><dd>${value}</dd></div>`;
}

/** Version, uptime, runs and clients from the gateway's `status` method, refreshed every few seconds. */
export function statusView(app: ControlModel) {
  const { latest, samples, error } = app.status;
  const last = samples.at(-1);
  return html`
    <section class="page" aria-labelledby="status-title">
      <div class="page-head">
        <h1 id="status-title" tabindex="-1">Status</h1>
        <button type="button" class="secondary small" @click=${() => app.status.poll()}>Refresh</button>
      </div>
      ${error ? html`<p class="alert" role="alert">${error}</p>` : nothing}
      ${
        latest === undefined
          ? html`<p class="muted">Loading…</p>`
          : html`<dl class="stats">
                ${stat('Version', latest.version)} ${stat('Uptime', durationText(latest.uptimeMs))}
                ${stat('Active runs', String(last?.activeRuns ?? 0))} ${stat('Clients', String(last?.clients ?? 0))}
                ${last?.requestsPerMinute !== undefined ? stat('Requests / min', String(last.requestsPerMinute)) : nothing}
                ${stat('Sessions', String(latest.sessions.count))}
              </dl>
              ${chart(samples)}
              <p class="muted small-print">
                Bound to ${latest.gateway.bind}, auth ${latest.gateway.authMode}, default agent ${latest.defaultAgentId}.
              </p>`
      }
    </section>
  `;
}
