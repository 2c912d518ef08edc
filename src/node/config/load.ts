import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import JSON5 from 'json5';
import { configSchema, type GatewayConfig } from '../../config/schema.js';
import { describeIssues } from '../../config/problems.js';

/** The exit code OpenClaw uses for a config it refuses (EX_CONFIG). */
export const CONFIG_EXIT_CODE = 78;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string | undefined,
    readonly problems: string[],
  ) {
    super(`invalid config${file ? ` ${file}` : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadedConfig {
  config: GatewayConfig;
  /** The file read, or undefined when none was found and defaults apply. */
  path: string | undefined;
  stateDir: string;
}

export interface LoadOptions {
  configPath?: string;
  env: NodeJS.ProcessEnv;
}

/** `OPENCLAW_HOME` replaces HOME for path defaults, as in OpenClaw. */
function homeOf(env: NodeJS.ProcessEnv): string {
  return env.OPENCLAW_HOME || env.HOME || homedir();
}

export function stateDirFrom(env: NodeJS.ProcessEnv): string {
  return env.OPENCLAW_STATE_DIR ? resolve(env.OPENCLAW_STATE_DIR) : join(homeOf(env), '.openclaw');
}

/**
 * First found of `--config`, `$OPENCLAW_CONFIG_PATH`, `$OPENCLAW_STATE_DIR/openclaw.json`,
 * `~/.openclaw/openclaw.json`. An explicitly named file must exist; the others may not.
 */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const { env } = options;
  const stateDir = stateDirFrom(env);
  const explicit = options.configPath ?? (env.OPENCLAW_CONFIG_PATH || undefined);
  const candidates = explicit
    ? [resolve(explicit)]
    : [join(stateDir, 'openclaw.json'), join(homeOf(env), '.openclaw', 'openclaw.json')];

  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) continue;
      throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
    return { config: parseConfigText(text, file, env), path: file, stateDir };
  }
  return { config: applyEnv(configSchema.parse({}), env), path: undefined, stateDir };
}

export function parseConfigText(text: string, file: string | undefined, env: NodeJS.ProcessEnv): GatewayConfig {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON5.parse(text);
  } catch (err) {
    const e = err as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const where = e.lineNumber ? ` (line ${e.lineNumber}, column ${e.columnNumber ?? 0})` : '';
    // JSON5's message quotes the offending character only, never the value around it.
    throw new ConfigError(file, [`syntax error${where}: ${e.message.replace(/^JSON5: /, '')}`]);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, describeIssues(parsed.error.issues, text));
  return applyEnv(parsed.data, env);
}

/** `OPENCLAW_GATEWAY_PORT` overrides the file; secrets from env only fill what config leaves empty. */
function applyEnv(config: GatewayConfig, env: NodeJS.ProcessEnv): GatewayConfig {
  const port = env.OPENCLAW_GATEWAY_PORT;
  if (port !== undefined && port !== '') {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      throw new ConfigError(undefined, [`OPENCLAW_GATEWAY_PORT: expected a port number, got "${port}"`]);
    }
    config.gateway.port = n;
  }
  return config;
}
