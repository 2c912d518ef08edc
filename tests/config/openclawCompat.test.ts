import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { buildAgentRegistry } from '../../src/agent/agents.js';
import { resolveAgentTarget } from '../../src/ws/agentTarget.js';
import { editDistance, nearestKey } from '../../src/config/nearestKey.js';
import { OPENCLAW_KEY_PATHS } from '../../src/config/openclawKeys.generated.js';
import { type KeyNode, keyChild, openclawKeyTree } from '../../src/config/openclawKeys.js';
import { configSchema } from '../../src/config/schema.js';
import { ConfigError, readConfigText } from '../../src/node/config/load.js';
import { createModelRegistry } from '../../src/providers/registry.js';
import { chatConfig, startTestGateway } from '../helpers/gateway.js';

const EXAMPLES = join(import.meta.dirname, '../fixtures/openclaw-configs');
const ENV = {
  HOME: '/home/tester',
  OPENCLAW_GATEWAY_TOKEN: 'tok-123',
  LAB_BASE_URL: 'http://127.0.0.1:9/v1',
  LAB_API_KEY: 'lab-key',
  LMSTUDIO_BASE_URL: 'http://127.0.0.1:9/v1',
  OLLAMA_BASE_URL: 'http://127.0.0.1:9/v1',
  TELEGRAM_BOT_TOKEN: 'bot-token',
};

async function example(name: string): Promise<string> {
  return readFile(join(EXAMPLES, `${name}.json5`), 'utf8');
}

function problems(text: string, env: Record<string, string> = ENV): string[] {
  try {
    readConfigText(text, 'x.json5', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** Every key path of a parsed file that OpenClaw's tree does not hold. */
function pathsOpenClawRefuses(value: unknown, node: KeyNode, path: string[] = []): string[] {
  if (node.children.size === 0 || value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([key, child]) => {
    const next = keyChild(node, key);
    const here = [...path, String(key)];
    return next === undefined ? [here.join('.')] : pathsOpenClawRefuses(child, next, here);
  });
}

describe('OpenClaw key tree', () => {
  it('holds every path of the reference list', () => {
    let count = 0;
    const visit = (node: KeyNode): void => {
      for (const child of node.children.values()) {
        count++;
        visit(child);
      }
    };
    visit(openclawKeyTree());
    expect(count).toBe(OPENCLAW_KEY_PATHS);
    expect(count).toBeGreaterThan(6000);
  });

  it('follows map keys and array items', () => {
    const tree = openclawKeyTree();
    const providers = keyChild(keyChild(tree, 'models')!, 'providers')!;
    const model = keyChild(keyChild(keyChild(providers, 'anything')!, 'models')!, 0)!;
    expect(keyChild(model, 'contextWindow')).toBeDefined();
    expect(keyChild(model, 'contextWindw')).toBeUndefined();
  });
});

describe('nearest known key', () => {
  it('suggests close keys and nothing for unrelated ones', () => {
    expect(nearestKey('gatewy', ['gateway', 'agents', 'models'])).toBe('gateway');
    expect(nearestKey('modle', ['model', 'models', 'name'])).toBe('model');
    expect(nearestKey('Port', ['port'])).toBe('port');
    expect(nearestKey('zzzzzz', ['gateway', 'agents'])).toBeUndefined();
    expect(editDistance('ab', 'ba')).toBe(1);
  });
});

describe('OpenClaw-shaped configs', () => {
  it.each(['minimal', 'starter', 'local-models', 'multi-agent-entries'])(
    '%s uses only keys OpenClaw 2026.9.6 accepts',
    async (name) => {
      expect(pathsOpenClawRefuses(JSON5.parse(await example(name)), openclawKeyTree())).toEqual([]);
    },
  );

  it('multi-agent-list differs from OpenClaw 2026.9.6 only by the older agents.list', async () => {
    const refused = pathsOpenClawRefuses(JSON5.parse(await example('multi-agent-list')), openclawKeyTree());
    expect(refused).toEqual(['agents.list']);
  });

  it.each(['minimal', 'starter', 'local-models', 'multi-agent-entries', 'multi-agent-list'])(
    '%s loads',
    async (name) => {
      const loaded = readConfigText(await example(name), `${name}.json5`, ENV);
      expect(loaded.config.gateway.http.endpoints.chatCompletions.enabled).toBe(true);
      expect(loaded.config.gateway.auth.token).toBe('tok-123');
    },
  );

  it('names the ignored sections of the starter and keeps what it serves', async () => {
    const loaded = readConfigText(await example('starter'), 'starter.json5', ENV);
    expect(loaded.ignoredSections).toEqual([
      'meta',
      'wizard',
      'logging.redactPatterns',
      'gateway.mode',
      'channels',
      'messages',
      'session',
      'skills',
      'plugins',
      'tools',
      'hooks',
      'cron',
      'commands',
      'agents.defaults.heartbeat',
      'agents.defaults.sandbox',
    ]);
    expect(loaded.ignoredLeaves).toContain('channels.telegram.botToken');
    // Paths only, never values.
    expect(loaded.ignoredLeaves.join('\n')).not.toContain('bot-token');
    expect(loaded.config.logging.level).toBe('info');
    expect(loaded.config.agents.defaults.workspace).toBe('/home/tester/.openclaw/workspace');
    // A secret reference with source "env" reads the variable.
    expect(loaded.config.models.providers.lab!.apiKey).toBe('lab-key');
    expect(loaded.config.agents.defaults.models['lab/lab-chat']!.alias).toBe('chat');
  });

  it('describes ignored map entries and array items by their shape', async () => {
    const loaded = readConfigText(await example('multi-agent-entries'), 'e.json5', ENV);
    expect(loaded.ignoredSections).toEqual([
      'agents.entries.*.identity.emoji',
      'agents.entries.*.skills',
      'agents.entries.*.tools',
      'bindings',
    ]);
    expect(loaded.ignoredLeaves).toContain('agents.entries.work.tools.deny[0]');
  });
});

describe('a key neither OpenClaw nor this gateway knows', () => {
  it('is refused with its line and the nearest known key', () => {
    expect(problems('{\n  gatewy: { port: 1 },\n}')).toEqual([
      'gatewy (line 2): unknown key (not a key of this gateway or of OpenClaw 2026.9.6); did you mean "gateway"?',
    ]);
  });

  it("is found below keys that are only OpenClaw's and below keys we serve", () => {
    const found = problems(
      '{\n agents: { defaults: { modle: "a/b" } },\n channels: { telegram: { enabeld: true } },\n models: { providers: { p: { models: [{ id: "m", contextWindw: 5 }] } } },\n}',
    );
    expect(found).toEqual([
      expect.stringMatching(/^agents\.defaults\.modle \(line 2\): .*did you mean "model"\?$/),
      expect.stringMatching(/^channels\.telegram\.enabeld \(line 3\): .*did you mean "enabled"\?$/),
      expect.stringMatching(
        /^models\.providers\.p\.models\[0\]\.contextWindw \(line 4\): .*did you mean "contextWindow"\?$/,
      ),
    ]);
  });

  it('accepts anything under a free-form OpenClaw map', () => {
    const loaded = readConfigText('{ plugins: { entries: { x: { config: { whatever: { deep: 1 } } } } } }', 'x', ENV);
    expect(loaded.ignoredSections).toEqual(['plugins']);
  });
});

describe('environment in the config', () => {
  it('substitutes ${VAR}, keeps $${VAR} literal, and lets the process environment win over env.vars', () => {
    const loaded = readConfigText(
      '{ env: { vars: { A_KEY: "from-file", ONLY_FILE: "f" }, SHORT_FORM: "s" },\n' +
        ' gateway: { auth: { token: "${A_KEY}-${ONLY_FILE}-${SHORT_FORM}", password: "$${A_KEY}" }, customBindHost: "127.0.0.1" } }',
      'x',
      { A_KEY: 'from-process' },
    );
    expect(loaded.config.gateway.auth.token).toBe('from-process-f-s');
    expect(loaded.config.gateway.auth.password).toBe('${A_KEY}');
    expect(loaded.env.ONLY_FILE).toBe('f');
    expect(loaded.warnings).toEqual([]);
  });

  it('leaves an unset variable visible and warns with its path, never a value', () => {
    const loaded = readConfigText('{ gateway: { auth: { token: "${NOT_SET_ANYWHERE}" } } }', 'x', {});
    expect(loaded.config.gateway.auth.token).toBe('${NOT_SET_ANYWHERE}');
    expect(loaded.warnings).toEqual([
      'gateway.auth.token: ${NOT_SET_ANYWHERE} is not set; the value is left as written',
    ]);
  });

  it('expands ~ against OPENCLAW_HOME before HOME', () => {
    const loaded = readConfigText(
      '{ agents: { entries: { a: { workspace: "~/w" } } }, logging: { file: "~/logs/gw.log" } }',
      'x',
      { HOME: '/h', OPENCLAW_HOME: '/oc' },
    );
    expect(loaded.config.agents.entries.a!.workspace).toBe('/oc/w');
    expect(loaded.config.logging.file).toBe('/oc/logs/gw.log');
  });
});

describe('OpenClaw features this gateway does not read', () => {
  it('refuses a secret reference it cannot read, saying why', () => {
    expect(
      problems('{ gateway: { auth: { token: { source: "file", provider: "vault", id: "/run/token" } } } }'),
    ).toEqual([
      expect.stringMatching(
        /^gateway\.auth\.token \(line 1\): .*secret references with source "file" are not read here/,
      ),
    ]);
  });

  it('refuses $include with its line instead of calling it a typo', () => {
    expect(problems('{\n  agents: { $include: "./agents.json5" },\n}')).toEqual([
      '$include (line 2): includes are not read by this gateway; put the included settings in this file',
    ]);
  });
});

describe('default agent', () => {
  const registry = (raw: unknown) => buildAgentRegistry(configSchema.parse(raw));

  it('agents.entries: the one marked default, the only one, or none (callers must name one)', () => {
    expect(registry({ agents: { entries: { a: {}, b: { default: true } } } }).defaultId).toBe('b');
    expect(registry({ agents: { entries: { solo: {} } } }).defaultId).toBe('solo');
    const fleet = registry({ agents: { ownership: 'explicit', entries: { ops: {}, main: {} } } });
    expect(fleet.selectionRequired).toBe(true);
    expect(fleet.list.map((a) => a.id)).toEqual(['ops', 'main']);
  });

  it('without a default, a WebSocket or CLI turn must name its agent too', () => {
    const fleet = registry({ agents: { ownership: 'explicit', entries: { ops: {}, research: {} } } });
    expect(() => resolveAgentTarget(fleet, {})).toThrow(/several agents are configured and none is the default/);
    expect(resolveAgentTarget(fleet, { agentId: 'research' })).toEqual({
      agentId: 'research',
      sessionKey: 'agent:research:main',
    });
    expect(resolveAgentTarget(fleet, { sessionKey: 'agent:ops:chat-1' }).agentId).toBe('ops');
  });

  it('agents.list: the one marked default, else main, else the first', () => {
    expect(registry({ agents: { list: [{ id: 'a' }, { id: 'b', default: true }] } }).defaultId).toBe('b');
    expect(registry({ agents: { list: [{ id: 'a' }, { id: 'main' }] } }).defaultId).toBe('main');
    const first = registry({ agents: { list: [{ id: 'x' }, { id: 'y' }] } });
    expect(first.defaultId).toBe('x');
    expect(first.selectionRequired).toBeUndefined();
  });

  it('uses identity.name as the display name and resolves model aliases', () => {
    const agents = registry({
      agents: {
        defaults: { model: 'fast', models: { 'lab/quick-1': { alias: 'fast' } } },
        entries: {
          a: { name: 'plain', identity: { name: 'Shown' } },
          b: { model: { primary: 'sonnet-4', fallbacks: [] } },
        },
      },
    });
    expect(agents.get('a')).toMatchObject({ name: 'Shown', models: ['lab/quick-1'] });
    expect(agents.get('b')!.models).toEqual(['anthropic/sonnet-4']);
  });
});

describe('models', () => {
  it('mode replace drops the built-in providers; merge keeps them', () => {
    const replace = createModelRegistry(configSchema.parse({ models: { mode: 'replace' } }), {});
    expect(replace.resolve('openai/gpt-4o')).toBeUndefined();
    const merge = createModelRegistry(configSchema.parse({}), {});
    expect(merge.resolve('openai/gpt-4o')).toBeDefined();
  });

  it('accepts any api value in the file and fails only when a run uses it', async () => {
    const config = configSchema.parse({
      models: {
        providers: { odd: { api: 'bedrock-converse-stream', baseUrl: 'http://127.0.0.1:9', models: [{ id: 'x' }] } },
      },
    });
    const models = createModelRegistry(config, {});
    const model = models.resolve('odd/x')!;
    const events = models.stream(model)({
      model,
      system: '',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      sampling: {},
      signal: new AbortController().signal,
    });
    await expect(events[Symbol.asyncIterator]().next()).rejects.toThrow(
      /api "bedrock-converse-stream" is not served by this gateway/,
    );
  });

  it('a request reaching an unserved api gets a 502 naming the api, and the gateway keeps serving', async () => {
    const gateway = await startTestGateway(
      chatConfig({
        models: {
          providers: { odd: { api: 'bedrock-converse-stream', baseUrl: 'http://127.0.0.1:9', models: [{ id: 'x' }] } },
        },
        agents: { entries: { main: { default: true, model: 'odd/x' }, echo: { model: 'local/echo' } } },
      }),
    );
    try {
      const ask = (model: string) =>
        gateway.request('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        });
      const failed = await ask('openclaw');
      expect(failed.status).toBe(502);
      expect(((await failed.json()) as { error: { message: string } }).error.message).toMatch(
        /api "bedrock-converse-stream" is not served by this gateway/,
      );
      expect((await ask('openclaw/echo')).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});
