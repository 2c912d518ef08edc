import { randomUUID } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';
import { AuthConfigError } from '../../auth/resolve.js';
import type { GatewayConfig } from '../../config/schema.js';
import { VERSION } from '../../version.js';
import { agentFinal, type AgentFinalPayload } from '../../ws/agentReply.js';
import { resolveAgentTarget } from '../../ws/agentTarget.js';
import { runDeadline } from '../../ws/methods/agent.js';
import { createGatewayContext } from '../bootstrap.js';
import { CONFIG_EXIT_CODE, ConfigError, loadConfig } from '../config/load.js';
import { stderrLogger } from '../stderrLogger.js';
import type { GatewayContext } from '../../context.js';
import {
  connectGateway,
  type GatewayClient,
  GatewayRequestError,
  GatewayUnreachableError,
  localGatewayEndpoint,
} from './gatewayClient.js';

export interface AgentCommandOptions {
  message: string;
  agent?: string;
  sessionKey?: string;
  config?: string;
  json: boolean;
  local: boolean;
  timeout?: number;
  verbose: boolean;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected whole seconds');
  return n;
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description(
      'run one agent turn through the running gateway (or in this process with --local or when none is reachable)',
    )
    .requiredOption('-m, --message <text>', 'the message for the agent')
    .option('--agent <id>', 'agent id (default: the default agent, or the one the session key names)')
    .option('--session-key <key>', 'session to continue (default: agent:<id>:main)')
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print the final result as JSON instead of streaming text', false)
    .option('--local', 'run in this process instead of through the gateway', false)
    .option('--timeout <seconds>', 'abort the turn after this many seconds', parseSeconds)
    .option('--verbose', 'log more to stderr', false)
    .action(async (opts: AgentCommandOptions) => {
      process.exitCode = await runAgentCommand(opts);
    });
}

/** Streams deltas to stdout as they come; the exit code says whether the turn succeeded. */
export async function runAgentCommand(opts: AgentCommandOptions): Promise<number> {
  let config: GatewayConfig;
  let stateDir: string;
  let env: Record<string, string | undefined>;
  try {
    ({ config, stateDir, env } = await loadConfig({ configPath: opts.config, env: process.env }));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`openclaw: ${err.message}\n`);
      return CONFIG_EXIT_CODE;
    }
    throw err;
  }
  if (!opts.local) {
    const viaGateway = await runThroughGateway(opts, config);
    if (viaGateway !== 'unreachable') return viaGateway;
  }
  return runLocally(opts, config, stateDir, env);
}

async function runThroughGateway(opts: AgentCommandOptions, config: GatewayConfig): Promise<number | 'unreachable'> {
  const endpoint = localGatewayEndpoint(config, process.env);
  let client: GatewayClient;
  try {
    client = await connectGateway({ ...endpoint, clientVersion: VERSION });
  } catch (err) {
    if (err instanceof GatewayUnreachableError) {
      process.stderr.write(`openclaw: no gateway reachable at ${endpoint.url}; running the agent locally\n`);
      return 'unreachable';
    }
    return fail(err);
  }
  const idempotencyKey = randomUUID();
  const out = new TextOutput(opts.json);
  const off = client.onEvent((event, payload) => {
    if (event !== 'agent') return;
    const agentEvent = payload as { runId?: unknown; stream?: unknown; data?: { delta?: unknown } } | undefined;
    if (
      agentEvent?.runId === idempotencyKey &&
      agentEvent.stream === 'assistant' &&
      typeof agentEvent.data?.delta === 'string'
    ) {
      out.delta(agentEvent.data.delta);
    }
  });
  const interrupt = (): void => {
    void client
      .request('chat.abort', { sessionKey: sessionKeyOf(client.hello, opts), runId: idempotencyKey })
      .catch(() => undefined);
  };
  process.once('SIGINT', interrupt);
  try {
    const payload = await client.request<AgentFinalPayload>(
      'agent',
      {
        message: opts.message,
        idempotencyKey,
        ...(opts.agent !== undefined ? { agentId: opts.agent } : {}),
        ...(opts.sessionKey !== undefined ? { sessionKey: opts.sessionKey } : {}),
        ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
      },
      { expectFinal: true },
    );
    out.finish(payload);
    return 0;
  } catch (err) {
    out.endLine();
    return fail(err);
  } finally {
    process.off('SIGINT', interrupt);
    off();
    client.close();
  }
}

/** The key the gateway will use, for aborting on Ctrl-C. */
function sessionKeyOf(
  hello: { snapshot: { sessionDefaults: { defaultAgentId: string } } },
  opts: AgentCommandOptions,
): string {
  return opts.sessionKey ?? `agent:${opts.agent ?? hello.snapshot.sessionDefaults.defaultAgentId}:main`;
}

async function runLocally(
  opts: AgentCommandOptions,
  config: GatewayConfig,
  stateDir: string,
  env: Record<string, string | undefined>,
): Promise<number> {
  let ctx: GatewayContext;
  try {
    ctx = await createGatewayContext({ config, stateDir, env, log: stderrLogger(opts.verbose) });
  } catch (err) {
    if (err instanceof AuthConfigError) {
      process.stderr.write(`openclaw: ${err.message}\n`);
      return CONFIG_EXIT_CODE;
    }
    throw err;
  }
  const out = new TextOutput(opts.json);
  try {
    const target = resolveAgentTarget(ctx.agents, { agentId: opts.agent, sessionKey: opts.sessionKey });
    const handle = ctx.runtime.start({
      agentId: target.agentId,
      sessionKey: target.sessionKey,
      stateless: false,
      messages: [{ role: 'user', content: opts.message }],
      runId: `cli-${randomUUID()}`,
    });
    const interrupt = (): void => handle.abort('interrupted');
    process.once('SIGINT', interrupt);
    const deadline = runDeadline(handle, opts.timeout !== undefined ? opts.timeout * 1000 : undefined);
    for await (const event of handle.events) {
      if (event.type === 'assistant.delta') out.delta(event.delta);
    }
    const result = await handle.result;
    deadline.clear();
    process.off('SIGINT', interrupt);
    const final = agentFinal(result);
    if (deadline.fired()) {
      out.endLine();
      return fail(new Error(`agent run timed out after ${opts.timeout}s`));
    }
    if (!final.ok) {
      out.endLine();
      return fail(new GatewayRequestError(final.error, final.payload));
    }
    out.finish(final.payload);
    return 0;
  } catch (err) {
    out.endLine();
    return fail(err);
  } finally {
    await ctx.store.close();
  }
}

/** Text mode streams deltas and ends with a newline; JSON mode prints only the final payload. */
class TextOutput {
  private streamed = '';

  constructor(private readonly json: boolean) {}

  delta(text: string): void {
    if (this.json) return;
    this.streamed += text;
    process.stdout.write(text);
  }

  finish(payload: AgentFinalPayload): void {
    if (this.json) {
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
      return;
    }
    // A deduplicated or non-streaming answer arrives only in the final payload.
    if (this.streamed === '') this.delta(payload.result.payloads.map((p) => p.text).join('\n'));
    this.endLine();
  }

  endLine(): void {
    if (!this.json && this.streamed !== '' && !this.streamed.endsWith('\n')) {
      process.stdout.write('\n');
      this.streamed += '\n';
    }
  }
}

function fail(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`openclaw agent: ${message}\n`);
  return 1;
}
