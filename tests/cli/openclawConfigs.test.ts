/**
 * The drop-in promise, end to end: the real CLI started on files shaped like OpenClaw's documented
 * examples (tests/fixtures/openclaw-configs), answering through real loopback providers.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { startFakeResponses } from '../fixtures/fakeResponses.js';
import { spawnCli, writeConfig, type SpawnedCli } from '../helpers/gateway.js';
import { ROOT } from '../helpers/paths.js';

const EXAMPLES = join(ROOT, 'tests/fixtures/openclaw-configs');
const TOKEN = 'drop-in-token';

let lab: FakeProvider;
let studio: FakeProvider;
let ollama: FakeProvider;
let dir: string;
const running: SpawnedCli[] = [];

beforeAll(async () => {
  [lab, studio, ollama] = await Promise.all([startFakeOpenAI(), startFakeResponses(), startFakeOpenAI()]);
  dir = await mkdtemp(join(tmpdir(), 'openclaw-dropin-'));
});
afterEach(async () => {
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  }
});
afterAll(async () => {
  await Promise.all([lab.close(), studio.close(), ollama.close()]);
  await rm(dir, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return {
    HOME: dir,
    OPENCLAW_STATE_DIR: join(dir, 'state'),
    OPENCLAW_GATEWAY_TOKEN: TOKEN,
    LAB_BASE_URL: lab.url,
    LAB_API_KEY: 'lab-key',
    LMSTUDIO_BASE_URL: studio.url,
    OLLAMA_BASE_URL: ollama.url,
  };
}

async function start(config: string, extraArgs: string[] = []): Promise<{ cli: SpawnedCli; url: string }> {
  const cli = spawnCli(['gateway', '--config', config, '--port', '0', ...extraArgs], env());
  running.push(cli);
  const [, url] = await cli.waitFor(/listening on (http:\/\/\S+)/, 20_000);
  // The start-up lines are written in one go: wait for the last one.
  await cli.waitFor(/ {2}auth: /);
  return { cli, url: url! };
}

function client(url: string): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: TOKEN, maxRetries: 0 });
}

async function ask(url: string, model: string, headers: Record<string, string> = {}): Promise<string> {
  const reply = await client(url).chat.completions.create(
    { model, messages: [{ role: 'user', content: `hello via ${model}` }] },
    { headers },
  );
  return reply.choices[0]!.message.content ?? '';
}

describe('an OpenClaw user points the gateway at their openclaw.json', () => {
  it('minimal: starts, names what it ignores, answers `openclaw` through the configured provider', async () => {
    const { cli, url } = await start(join(EXAMPLES, 'minimal.json5'));
    expect(cli.stdout()).toContain('  ignored (not served by this gateway): meta, gateway.mode\n');
    expect(await ask(url, 'openclaw')).toBe('echo: hello via openclaw');
    const request = lab.requests.at(-1)!;
    expect(request.body.model).toBe('lab-small');
    expect(request.headers.authorization).toBe('Bearer lab-key');
    // contextWindow/maxTokens from the model's metadata: the answer is capped.
    expect(request.body.max_tokens).toBe(2048);
  });

  it('minimal: a text-only model refuses an image part with a clear 400', async () => {
    const { url } = await start(join(EXAMPLES, 'minimal.json5'));
    const before = lab.requests.length;
    const failure = await client(url)
      .chat.completions.create({
        model: 'openclaw',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    const error = failure as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error.param).toBe('messages');
    expect(error.message).toMatch(/lab\/lab-small accepts text input, not images/);
    expect(lab.requests.length).toBe(before);
  });

  it('starter with channels and messages: lists every ignored section in one line; --verbose lists the paths', async () => {
    const { cli, url } = await start(join(EXAMPLES, 'starter.json5'), ['--verbose']);
    const line = cli
      .stdout()
      .split('\n')
      .find((l) => l.includes('ignored (not served by this gateway)'));
    expect(line).toBe(
      '  ignored (not served by this gateway): meta, wizard, logging.redactPatterns, gateway.mode, channels, messages, session, skills, plugins, tools, hooks, cron, commands, agents.defaults.heartbeat, agents.defaults.sandbox',
    );
    expect(cli.stdout()).toContain('\n    channels.telegram.botToken\n');
    expect(cli.stdout()).toContain('\n    messages.ackReaction\n');
    expect(cli.stdout() + cli.stderr()).not.toContain('lab-key');
    expect(await ask(url, 'openclaw')).toBe('echo: hello via openclaw');
    expect(lab.requests.at(-1)!.body.model).toBe('lab-chat');
  });

  it('local models only: an openai-responses provider answers, and a failing one falls back to the next wire', async () => {
    const { cli, url } = await start(join(EXAMPLES, 'local-models.json5'));
    expect(cli.stdout()).toContain('  ignored (not served by this gateway): gateway.mode\n');
    expect(await ask(url, 'openclaw')).toBe('echo: hello via openclaw');
    const request = studio.requests.at(-1)!;
    expect(request.path).toBe('/v1/responses');
    expect(request.body).toMatchObject({ model: 'qwen3-30b-a3b', store: false, reasoning: { effort: 'medium' } });
    expect(request.body.max_output_tokens).toBe(8192);

    studio.script({ kind: 'error', status: 400, message: 'model not loaded' });
    expect(await ask(url, 'openclaw')).toBe('echo: hello via openclaw');
    expect(ollama.requests.at(-1)!.body.model).toBe('llama3.2:3b');
  });

  it.each([
    ['multi-agent-entries', 'lab-home'],
    ['multi-agent-list', 'lab-home'],
  ])('%s: routes openclaw, openclaw:<id> and x-openclaw-agent-id to the right agent', async (name, homeModel) => {
    const { cli, url } = await start(join(EXAMPLES, `${name}.json5`));
    expect(cli.stdout()).toMatch(/default agent: (home|main), model lab\/lab-home/);

    await ask(url, 'openclaw');
    expect(lab.requests.at(-1)!.body.model).toBe(homeModel);
    await ask(url, 'openclaw:work');
    expect(lab.requests.at(-1)!.body.model).toBe('lab-work');
    await ask(url, 'gpt-4o', { 'x-openclaw-agent-id': 'work' });
    expect(lab.requests.at(-1)!.body.model).toBe('lab-work');

    const models = await client(url).models.list();
    const byId = new Map(models.data.map((m) => [m.id, (m as unknown as { name: string }).name]));
    expect(byId.get('openclaw/work')).toBe('Work helper');
    expect([...byId.values()]).toContain('Home helper');
  });

  it('several agents.entries and no default: `openclaw` asks the caller to name an agent', async () => {
    const file = await writeConfig(
      dir,
      `{ gateway: { http: { endpoints: { chatCompletions: { enabled: true } } } },
         models: { providers: { lab: { baseUrl: "\${LAB_BASE_URL}", apiKey: "k", models: [{ id: "a" }, { id: "b" }] } } },
         agents: { ownership: "explicit", entries: { ops: { model: "lab/a" }, research: { model: "lab/b" } } } }`,
      'fleet.json5',
    );
    const { cli, url } = await start(file);
    expect(cli.stdout()).toContain('agents: ops, research (no default: requests name their agent)');
    const failure = await ask(url, 'openclaw').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('agent_selection_required');
    await ask(url, 'openclaw/research');
    expect(lab.requests.at(-1)!.body.model).toBe('b');
  });

  it('refuses a typo with exit 78, the key, its line and the nearest known key', async () => {
    const file = await writeConfig(
      dir,
      '{\n  gateway: { port: 18789 },\n  gatewy: { bind: "lan" },\n}\n',
      'typo.json5',
    );
    const cli = spawnCli(['gateway', '--config', file, '--port', '0'], env());
    running.push(cli);
    expect(await cli.exited).toBe(78);
    expect(cli.stderr()).toContain('gatewy (line 3): unknown key');
    expect(cli.stderr()).toContain('did you mean "gateway"?');
  });

  it('honours logging.level and logging.file (~ expanded): JSON lines in the file, nothing secret', async () => {
    const file = await writeConfig(
      dir,
      `{ logging: { level: "debug", consoleLevel: "error", file: "~/logs/gateway.log" },
         gateway: { http: { endpoints: { chatCompletions: { enabled: true } } } },
         models: { providers: { lab: { baseUrl: "\${LAB_BASE_URL}", apiKey: "\${LAB_API_KEY}", models: [{ id: "m" }] } } },
         agents: { defaults: { model: "lab/m" } } }`,
      'logging.json5',
    );
    const { cli, url } = await start(file);
    await ask(url, 'openclaw');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    const lines = (await readFile(join(dir, 'logs/gateway.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.level === 'info' || l.level === 'debug')).toBe(true);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('lab-key');
    // consoleLevel "error": nothing below error on stderr.
    expect(cli.stderr()).not.toMatch(/"level":"(info|debug|warn)"/);
  });
});
