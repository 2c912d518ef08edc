import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import JSON5 from 'json5';
import { configEnvVars, substituteEnv, type EnvMap } from '../../config/envSubstitution.js';
import { OPENCLAW_KEYS_VERSION } from '../../config/openclawKeys.generated.js';
import { openclawKeyTree } from '../../config/openclawKeys.js';
import { describeIssues, lineOf } from '../../config/problems.js';
import { configSchema, type GatewayConfig } from '../../config/schema.js';
import { formatKeyPath, sortKeys, type KeyPath } from '../../config/unservedKeys.js';

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

/** What reading a config file found besides the config itself. */
export interface ConfigReport {
  /** Keys OpenClaw accepts that this gateway does not serve: removed before validation. */
  ignored: KeyPath[];
  /** The same, as one short list: `channels`, `gateway.mode`, `models.providers.*.models[].compat`. */
  ignoredSections: string[];
  /** Every leaf path under the ignored keys, for `--verbose`. */
  ignoredLeaves: string[];
  /** Things that load but deserve a line at start (an unset `${VAR}`, ...). Never holds a value. */
  warnings: string[];
}

export interface LoadedConfig extends ConfigReport {
  config: GatewayConfig;
  /** The file read, or undefined when none was found and defaults apply. */
  path: string | undefined;
  stateDir: string;
  /** The process environment over `$OPENCLAW_STATE_DIR/.env` over the config's `env` section. */
  env: Record<string, string | undefined>;
}

export interface LoadOptions {
  configPath?: string;
  env: NodeJS.ProcessEnv;
}

/** `OPENCLAW_HOME` replaces HOME for path defaults, as in OpenClaw. */
export function homeOf(env: EnvMap): string {
  return env.OPENCLAW_HOME || env.HOME || homedir();
}

export function stateDirFrom(env: EnvMap): string {
  return env.OPENCLAW_STATE_DIR ? resolve(env.OPENCLAW_STATE_DIR) : join(homeOf(env), '.openclaw');
}

/** The config file a command would read: the first existing of the candidates, or the explicit one. */
export function configCandidates(options: LoadOptions): { files: string[]; explicit: boolean } {
  const { env } = options;
  const explicit = options.configPath ?? (env.OPENCLAW_CONFIG_PATH || undefined);
  if (explicit) return { files: [resolve(explicit)], explicit: true };
  return {
    files: [join(stateDirFrom(env), 'openclaw.json'), join(homeOf(env), '.openclaw', 'openclaw.json')],
    explicit: false,
  };
}

/**
 * First found of `--config`, `$OPENCLAW_CONFIG_PATH`, `$OPENCLAW_STATE_DIR/openclaw.json`,
 * `~/.openclaw/openclaw.json`. An explicitly named file must exist; the others may not.
 */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const { env } = options;
  const stateDir = stateDirFrom(env);
  const dotenv = await readDotenv(join(stateDir, '.env'));
  const { files, explicit } = configCandidates(options);
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) continue;
      throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
    return { ...readConfigText(text, file, env, dotenv), path: file, stateDir };
  }
  const effective = { ...dotenv, ...definedOnly(env) };
  return {
    config: applyEnv(configSchema.parse({}), effective),
    path: undefined,
    stateDir,
    env: effective,
    ignored: [],
    ignoredSections: [],
    ignoredLeaves: [],
    warnings: [],
  };
}

/** Parses and validates config text; throws {@link ConfigError} with one line per problem. */
export function parseConfigText(text: string, file: string | undefined, env: EnvMap): GatewayConfig {
  return readConfigText(text, file, env).config;
}

/** The whole reading: JSON5, unserved keys taken out, typos refused, `${VAR}`, zod, `~`, env overrides. */
export function readConfigText(
  text: string,
  file: string | undefined,
  env: EnvMap,
  dotenv: Record<string, string> = {},
): ConfigReport & { config: GatewayConfig; env: Record<string, string | undefined> } {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON5.parse(text);
  } catch (err) {
    const e = err as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const where = e.lineNumber ? ` (line ${e.lineNumber}, column ${e.columnNumber ?? 0})` : '';
    // JSON5's message quotes the offending character only, never the value around it.
    throw new ConfigError(file, [`syntax error${where}: ${e.message.replace(/^JSON5: /, '')}`]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, ['(root): expected an object']);
  }

  if (/["']?\$include["']?\s*:/.test(text)) {
    throw new ConfigError(file, [
      `$include (line ${lineOf(['$include'], text) ?? '?'}): includes are not read by this gateway; put the included settings in this file`,
    ]);
  }
  const sorted = sortKeys(raw, configSchema, openclawKeyTree());
  const typos = sorted.unknown.map(({ path, suggestion }) => ({
    line: lineOf(path, text),
    text: `${formatKeyPath(path)}${lineText(lineOf(path, text))}: unknown key (not a key of this gateway or of OpenClaw ${OPENCLAW_KEYS_VERSION})${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
  }));

  const effective: Record<string, string | undefined> = {
    ...configEnvVars(sorted.served),
    ...dotenv,
    ...definedOnly(env),
  };
  const substituted = substituteEnv(sorted.served, effective);
  const parsed = configSchema.safeParse(substituted.value);
  if (typos.length > 0 || !parsed.success) {
    const hints = new Map<string, string>();
    for (const { path, name } of substituted.unresolved)
      hints.set(path.map(String).join('.'), `\${${name}} is not set`);
    for (const { path, source } of substituted.unsupportedRefs) {
      hints.set(
        path.map(String).join('.'),
        `secret references with source "${source}" are not read here; use "\${VAR}"`,
      );
    }
    const invalid = parsed.success
      ? []
      : describeIssues(parsed.error.issues, text).map((problem) => {
          const hint = hints.get(problem.split(/[ :]/, 1)[0]!);
          return hint === undefined ? problem : `${problem} (${hint})`;
        });
    // One list in file order, typos and wrong values together.
    const all = [
      ...typos,
      ...invalid.map((p) => ({ line: Number(/\(line (\d+)\)/.exec(p)?.[1] ?? Infinity), text: p })),
    ];
    throw new ConfigError(
      file,
      all.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)).map((p) => p.text),
    );
  }

  const config = expandHome(parsed.data, homeOf(effective));
  const warnings = substituted.unresolved.map(
    ({ path, name }) => `${formatKeyPath(path)}: \${${name}} is not set; the value is left as written`,
  );
  const entries = Object.keys(config.agents.entries).length;
  if (entries > 1 && config.agents.ownership !== 'explicit') {
    warnings.push(`agents.entries: ${entries} agents without agents.ownership: "explicit" (OpenClaw asks for it)`);
  }
  if (entries > 0 && config.agents.list.length > 0) {
    warnings.push('agents.entries and agents.list are both set; agents.entries is used');
  }
  return {
    config: applyEnv(config, effective),
    env: effective,
    ignored: sorted.ignored,
    ignoredSections: sorted.ignoredSections,
    ignoredLeaves: sorted.ignored.flatMap((path) => leafPaths(valueAt(raw, path), [...path])),
    warnings,
  };
}

function lineText(line: number | undefined): string {
  return line === undefined ? '' : ` (line ${line})`;
}

async function readDotenv(file: string): Promise<Record<string, string>> {
  try {
    return parseEnv(await readFile(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
}

function definedOnly(env: EnvMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** `~` and `~/x` in path settings, as OpenClaw resolves them (against OPENCLAW_HOME, else HOME). */
export function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

function expandHome(config: GatewayConfig, home: string): GatewayConfig {
  const { agents, logging } = config;
  if (agents.defaults.workspace !== undefined) agents.defaults.workspace = expandTilde(agents.defaults.workspace, home);
  for (const entry of agents.list)
    if (entry.workspace !== undefined) entry.workspace = expandTilde(entry.workspace, home);
  for (const entry of Object.values(agents.entries)) {
    if (entry.workspace !== undefined) entry.workspace = expandTilde(entry.workspace, home);
  }
  if (logging.file !== undefined) logging.file = expandTilde(logging.file, home);
  return config;
}

function valueAt(raw: unknown, path: KeyPath): unknown {
  let v = raw;
  for (const segment of path) v = (v as Record<string | number, unknown>)[segment];
  return v;
}

function leafPaths(value: unknown, path: (string | number)[]): string[] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    if (entries.length > 0) return entries.flatMap(([k, v]) => leafPaths(v, [...path, k]));
  }
  return [formatKeyPath(path)];
}

/** `OPENCLAW_GATEWAY_PORT` overrides the file; secrets from env only fill what config leaves empty. */
function applyEnv(config: GatewayConfig, env: EnvMap): GatewayConfig {
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
