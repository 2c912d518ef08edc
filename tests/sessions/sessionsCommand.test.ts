import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSessionsCommand } from '../../src/node/cli/sessionsCommand.js';
import { openSqliteSessionStore, type SqliteSessionStore } from '../../src/node/sessions/sqliteStore.js';
import { RICH_TURN, turn, usage } from './storeContract.js';

describe('openclaw sessions', () => {
  let stateDir: string;
  let out: string;
  let err: string;
  let opened: { config?: string }[];
  let stores: SqliteSessionStore[];

  /** A program shaped like the real one: help after usage errors, positional options. */
  function cli(...args: string[]): Promise<Command> {
    const program = new Command('openclaw')
      .exitOverride()
      .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) })
      .showHelpAfterError()
      .enablePositionalOptions();
    registerSessionsCommand(program, async (opts) => {
      opened.push(opts);
      const store = openSqliteSessionStore(stateDir);
      stores.push(store);
      return store;
    });
    return program.parseAsync(['sessions', ...args], { from: 'user' });
  }

  async function exitOf(run: Promise<unknown>): Promise<CommanderError> {
    const error = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommanderError);
    return error as CommanderError;
  }

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'openclaw-sessions-cli-'));
    out = '';
    err = '';
    opened = [];
    stores = [];
    let clock = Date.UTC(2025, 0, 2, 3, 4, 5);
    const seed = openSqliteSessionStore(stateDir, { now: () => (clock += 60_000) });
    await seed.appendTurn('agent:main:web', 'main', RICH_TURN, usage(120, 30, 100));
    await seed.appendTurn('agent:ops:cron', 'ops', turn(1), usage(5, 7));
    await seed.appendTurn('agent:main:dm', 'main', turn(1), usage(1, 2));
    await seed.close();
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('lists sessions as a table, newest first, and closes the store', async () => {
    await cli('list');
    expect(out.split('\n')).toEqual([
      expect.stringMatching(/^KEY\s+AGENT\s+MESSAGES\s+TOKENS IN\/OUT\s+UPDATED$/),
      expect.stringMatching(/^agent:main:dm\s+main\s+2\s+1\/2\s+2025-01-02T03:07:05.000Z$/),
      expect.stringMatching(/^agent:ops:cron\s+ops\s+2\s+5\/7\s+2025-01-02T03:06:05.000Z$/),
      expect.stringMatching(/^agent:main:web\s+main\s+5\s+120\/30\s+2025-01-02T03:05:05.000Z$/),
      '',
    ]);
    expect(err).toBe('');
    expect(opened).toEqual([{}]);
    await expect(stores[0]!.list()).rejects.toThrow(/not open/);
  });

  it('lists as JSON with --agent and --limit', async () => {
    await cli('list', '--json', '--agent', 'main', '--limit', '1');
    const records = JSON.parse(out) as { key: string }[];
    expect(records).toEqual([
      expect.objectContaining({
        key: 'agent:main:dm',
        agentId: 'main',
        inputTokens: 1,
        outputTokens: 2,
        messageCount: 2,
      }),
    ]);
  });

  it('says so when there are no sessions', async () => {
    await cli('list', '--agent', 'nobody');
    expect(out).toBe('No sessions.\n');
  });

  it('refuses a --limit that is not a whole number', async () => {
    const exit = await exitOf(cli('list', '--limit', 'ten'));
    expect(exit.exitCode).toBe(1);
    expect(err).toContain('whole number');
    expect(opened).toEqual([]);
  });

  it('shows a transcript readably', async () => {
    await cli('show', 'agent:main:web');
    expect(out).toContain('Session agent:main:web (agent main)');
    expect(out).toContain('5 messages, tokens in 120 / out 30 / cached 100');
    expect(out).toContain('user:\n  what is in these?');
    expect(out).toContain('  [image image/png, 70 bytes]');
    expect(out).toContain('  [image https://example.com/cat.jpg?size=large&x=1]');
    expect(out).toContain('assistant:\n  -> get_time({"tz":"Europe/Paris"}) [call_1]\n  -> read_file(');
    expect(out).toContain('tool get_time [call_1]:\n  2025-01-01T12:00:00+01:00');
    expect(out).toContain('tool [call_2]:\n  # Agents\n  \n  line two');
    expect(out).toMatch(/assistant:\n {2}Both are here\.\n {2}\n {2}A lobster 🦞 and a cat\.\n$/);
  });

  it('exports JSONL: the session record, then one line per message', async () => {
    await cli('export', 'agent:main:web');
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + RICH_TURN.length);
    const records = lines.map((line) => JSON.parse(line) as unknown);
    const check = openSqliteSessionStore(stateDir);
    stores.push(check);
    const stored = await check.load('agent:main:web');
    expect(records).toEqual([stored!.session, ...stored!.messages]);
    expect(records.slice(1)).toEqual(RICH_TURN);
  });

  it.each(['show', 'export'])('%s of an unknown key says so on stderr and exits 1', async (sub) => {
    const exit = await exitOf(cli(sub, 'agent:main:missing'));
    expect(exit.exitCode).toBe(1);
    expect(err).toBe('error: unknown session key: agent:main:missing\n');
    expect(out).toBe('');
    await expect(stores[0]!.list()).rejects.toThrow(/not open/);
  });

  it.each([
    ['list', '--json'],
    ['show', 'agent:main:dm'],
    ['export', 'agent:main:dm'],
  ])('%s passes --config to the store opener', async (...args) => {
    await cli(...args, '--config', '/etc/openclaw/openclaw.json5');
    expect(opened).toEqual([{ config: '/etc/openclaw/openclaw.json5' }]);
  });

  it.each(['list', 'show', 'export'])('%s --help describes its options', async (sub) => {
    const exit = await exitOf(cli(sub, '--help'));
    expect(exit.code).toBe('commander.helpDisplayed');
    expect(out).toContain(`Usage: openclaw sessions ${sub}`);
    expect(out).toContain('--config <path>');
    expect(opened).toEqual([]);
  });

  it('shows help on a missing key argument', async () => {
    const exit = await exitOf(cli('show'));
    expect(exit.exitCode).toBe(1);
    expect(err).toContain("missing required argument 'key'");
  });
});
