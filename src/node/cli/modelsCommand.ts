import type { Command } from 'commander';
import { buildAgentRegistry } from '../../agent/agents.js';
import type { GatewayConfig } from '../../config/schema.js';
import { createModelRegistry } from '../../providers/registry.js';
import { CONFIG_EXIT_CODE, ConfigError, loadConfig } from '../config/load.js';

export interface ModelListing {
  ref: string;
  provider: string;
  api: string;
  name?: string;
  contextWindow?: number;
  maxTokens?: number;
  input?: string[];
  reasoning?: boolean;
  cost?: Record<string, number | undefined>;
  /** Agents using it, primary first. */
  agents: string[];
  /** Whether the ref resolves against the configured or built-in providers. */
  configured: boolean;
}

export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('the models this config can reach');
  models
    .command('list')
    .description("list the configured providers' models and the models agents use")
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print as JSON', false)
    .action(async (opts: { config?: string; json: boolean }) => {
      process.exitCode = await listModels(opts);
    });
}

/** Every model named in `models.providers.*.models[]` or by an agent, with its metadata. */
export function modelListing(config: GatewayConfig, env: Record<string, string | undefined>): ModelListing[] {
  const agents = buildAgentRegistry(config);
  const registry = createModelRegistry(config, env);
  const refs = new Map<string, string[]>();
  for (const [id, provider] of Object.entries(config.models.providers)) {
    for (const model of provider.models) refs.set(`${id}/${model.id}`, []);
  }
  for (const agent of agents.list) {
    for (const ref of agent.models) refs.set(ref, [...(refs.get(ref) ?? []), agent.id]);
  }
  return [...refs].map(([ref, users]) => {
    const resolved = registry.resolve(ref);
    const provider = ref.slice(0, ref.indexOf('/'));
    const meta = config.models.providers[provider]?.models.find((m) => m.id === ref.slice(provider.length + 1));
    return {
      ref,
      provider,
      api: resolved?.config.api ?? 'unknown',
      ...(meta?.name !== undefined ? { name: meta.name } : {}),
      ...(meta?.contextWindow !== undefined ? { contextWindow: meta.contextWindow } : {}),
      ...(meta?.maxTokens !== undefined ? { maxTokens: meta.maxTokens } : {}),
      ...(meta?.input !== undefined ? { input: meta.input } : {}),
      ...(meta?.reasoning !== undefined ? { reasoning: meta.reasoning } : {}),
      ...(meta?.cost !== undefined ? { cost: meta.cost } : {}),
      agents: users,
      configured: resolved !== undefined,
    };
  });
}

async function listModels(opts: { config?: string; json: boolean }): Promise<number> {
  let listing: ModelListing[];
  try {
    const loaded = await loadConfig({ configPath: opts.config, env: process.env });
    listing = modelListing(loaded.config, loaded.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`openclaw: ${err.message}\n`);
    return CONFIG_EXIT_CODE;
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ models: listing }, null, 2)}\n`);
    return 0;
  }
  const lines = listing.map((m) => {
    const facts = [
      m.api,
      m.contextWindow !== undefined ? `context ${m.contextWindow}` : undefined,
      m.maxTokens !== undefined ? `max out ${m.maxTokens}` : undefined,
      m.input !== undefined ? `input ${m.input.join('+')}` : undefined,
      m.reasoning ? 'reasoning' : undefined,
      m.agents.length > 0 ? `agents ${m.agents.join(', ')}` : undefined,
      m.configured ? undefined : 'NOT CONFIGURED',
    ].filter((f) => f !== undefined);
    return `${m.ref}${m.name ? ` (${m.name})` : ''}: ${facts.join('; ')}`;
  });
  process.stdout.write(`${lines.length > 0 ? lines.join('\n') : 'no models configured'}\n`);
  return 0;
}
