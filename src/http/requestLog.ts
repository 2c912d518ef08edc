import type { Logger } from '../log.js';
import type { RunNote } from './env.js';

export interface RequestLine {
  requestId: string;
  method: string;
  route: string;
  status: number;
  totalMs: number;
  gatewayMs: number;
  providerMs: number;
  run: RunNote | undefined;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * One JSON line per request (`--verbose` or `gateway.logging.requests`): ids, route pattern,
 * status, agent, model, tokens and timings. Never a secret, a session key or message content.
 * A streamed answer is logged when its run ends, with the stream's own figures.
 */
export function requestLogger(log: Logger): (line: RequestLine) => void {
  return (line) => {
    const base = {
      requestId: line.requestId,
      method: line.method,
      route: line.route,
      status: line.status,
    };
    const { run } = line;
    if (run === undefined) {
      log.log('info', 'request', { ...base, ms: round(line.totalMs), gatewayMs: round(line.gatewayMs) });
      return;
    }
    void run.result.then((result) =>
      log.log('info', 'request', {
        ...base,
        agent: run.agentId,
        model: run.model,
        providerModel: result.model,
        stream: run.stream,
        outcome: result.error?.code ?? result.stopReason,
        tokensIn: result.usage.promptTokens,
        tokensOut: result.usage.completionTokens,
        ms: round(run.stream ? result.endedAt - result.startedAt : line.totalMs),
        // A stream's own time is its time to headers; the run goes on after that.
        gatewayMs: round(line.gatewayMs),
        providerMs: round(result.providerMs),
      }),
    );
  };
}
