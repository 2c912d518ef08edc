import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { configSchema } from '../../config/schema.js';
import { formatKeyPath } from '../../config/unservedKeys.js';
import { CONFIG_EXIT_CODE, ConfigError, configCandidates, loadConfig, type LoadedConfig } from '../config/load.js';

/** Keys whose values `config get` never prints. */
const SECRET_KEY = /token|password|secret|apikey|api_key|credential/i;

export function registerConfigCommand(program: Command): void {
  const config = program
    .command('config')
    .description('inspect the config file: where it is, what it holds, whether it loads');
  config
    .command('file')
    .description('print the config file the gateway would read')
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print as JSON', false)
    .action(async (opts: { config?: string; json: boolean }) => {
      process.exitCode = await configFile(opts);
    });
  config
    .command('get <path>')
    .description('print one setting as the gateway sees it (defaults applied; secrets shown as [redacted])')
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print as JSON', false)
    .action(async (path: string, opts: { config?: string; json: boolean }) => {
      process.exitCode = await configGet(path, opts);
    });
  config
    .command('validate')
    .description('check the config file; print what would be ignored (exit 78 when it would not load)')
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print as JSON', false)
    .action(async (opts: { config?: string; json: boolean }) => {
      process.exitCode = await configValidate(opts);
    });
  config
    .command('schema')
    .description("print this gateway's config JSON schema (the keys it serves)")
    .option('--json', 'print as JSON (the schema is JSON either way)', false)
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}

async function configFile(opts: { config?: string; json: boolean }): Promise<number> {
  const { files, explicit } = configCandidates({ configPath: opts.config, env: process.env });
  let found: string | undefined;
  for (const file of files) {
    if (await exists(file)) {
      found = file;
      break;
    }
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ path: found ?? null, candidates: files, explicit }, null, 2)}\n`);
  } else {
    process.stdout.write(found ? `${found}\n` : `none found (looked at ${files.join(', ')})\n`);
  }
  return found === undefined && explicit ? 1 : 0;
}

async function configGet(path: string, opts: { config?: string; json: boolean }): Promise<number> {
  const loaded = await loadOrReport(opts);
  if (typeof loaded === 'number') return loaded;
  const segments = path.split('.').filter((s) => s !== '');
  let value: unknown = loaded.config;
  for (const segment of segments) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  }
  if (value === undefined) {
    const ignored = loaded.ignored.some((p) => formatKeyPath(p) === path || path.startsWith(`${formatKeyPath(p)}.`));
    process.stderr.write(
      `openclaw config get: ${path} is ${ignored ? 'set but ignored (OpenClaw key not served by this gateway)' : 'not set'}\n`,
    );
    return 1;
  }
  const shown = redact(value, segments.at(-1) ?? '');
  process.stdout.write(opts.json || typeof shown !== 'string' ? `${JSON.stringify(shown, null, 2)}\n` : `${shown}\n`);
  return 0;
}

async function configValidate(opts: { config?: string; json: boolean }): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ configPath: opts.config, env: process.env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ valid: false, path: err.file ?? null, problems: err.problems }, null, 2)}\n`,
      );
    } else {
      process.stderr.write(`openclaw: ${err.message}\n`);
    }
    return CONFIG_EXIT_CODE;
  }
  if (opts.json) {
    const report = {
      valid: true,
      path: loaded.path ?? null,
      ignoredSections: loaded.ignoredSections,
      ignored: loaded.ignoredLeaves,
      warnings: loaded.warnings,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const lines = [`valid: ${loaded.path ?? 'no config file; built-in defaults'}`];
  if (loaded.ignoredSections.length > 0) {
    lines.push(`ignored (not served by this gateway): ${loaded.ignoredSections.join(', ')}`);
    for (const leaf of loaded.ignoredLeaves) lines.push(`  ${leaf}`);
  }
  for (const warning of loaded.warnings) lines.push(`warning: ${warning}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function loadOrReport(opts: { config?: string }): Promise<LoadedConfig | number> {
  try {
    return await loadConfig({ configPath: opts.config, env: process.env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`openclaw: ${err.message}\n`);
    return CONFIG_EXIT_CODE;
  }
}

function redact(value: unknown, key: string): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'object') return '[redacted]';
  if (Array.isArray(value)) return value.map((v) => redact(v, ''));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
