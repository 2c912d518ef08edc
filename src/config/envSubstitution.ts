import type { KeyPath } from './unservedKeys.js';

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface Substitution {
  value: unknown;
  /** Where a `${VAR}` named a variable that is unset or empty; the text is left as written there. */
  unresolved: Array<{ path: KeyPath; name: string }>;
  /** Secret references this gateway cannot read (`file`, `exec`, ...): left for validation to refuse. */
  unsupportedRefs: Array<{ path: KeyPath; source: string }>;
}

/** OpenClaw's rule: only upper-case names; `$${VAR}` is a literal `${VAR}`. */
const REFERENCE = /\$?\$\{([A-Z_][A-Z0-9_]*)\}/g;

/**
 * `${VAR}` in every string value (never in keys), OpenClaw's way. A missing variable stays visibly
 * unresolved and is reported, so a provider key that needs it fails with its name rather than empty.
 * A secret reference `{source: "env", id: "VAR"}` becomes the variable's value the same way.
 */
export function substituteEnv(raw: unknown, env: EnvMap): Substitution {
  const unresolved: Substitution['unresolved'] = [];
  const unsupportedRefs: Substitution['unsupportedRefs'] = [];

  function text(value: string, path: KeyPath): string {
    if (!value.includes('${')) return value;
    return value.replace(REFERENCE, (match, name: string) => {
      if (match.startsWith('$$')) return match.slice(1);
      const found = env[name];
      if (found === undefined || found === '') {
        unresolved.push({ path, name });
        return match;
      }
      return found;
    });
  }

  function walk(value: unknown, path: (string | number)[]): unknown {
    if (typeof value === 'string') return text(value, path);
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (value === null || typeof value !== 'object') return value;
    const envRef = secretRefName(value);
    if (envRef !== undefined) return text(`\${${envRef}}`, path);
    const source = (value as { source?: unknown }).source;
    if (typeof source === 'string' && source !== 'env' && typeof (value as { id?: unknown }).id === 'string') {
      unsupportedRefs.push({ path, source });
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = walk(child, [...path, key]);
    return out;
  }

  return { value: walk(raw, []), unresolved, unsupportedRefs };
}

function secretRefName(value: object): string | undefined {
  const ref = value as { source?: unknown; id?: unknown; provider?: unknown };
  const keys = Object.keys(value);
  if (ref.source !== 'env' || typeof ref.id !== 'string') return undefined;
  if (!keys.every((k) => k === 'source' || k === 'id' || k === 'provider')) return undefined;
  return /^[A-Z_][A-Z0-9_]*$/.test(ref.id) ? ref.id : undefined;
}

/** The variables a config's `env` section sets: `env.vars.X` and OpenClaw's shorthand `env.X`. */
export function configEnvVars(raw: unknown): Record<string, string> {
  const env = (raw as { env?: unknown } | null)?.env;
  if (env === null || typeof env !== 'object' || Array.isArray(env)) return {};
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'string') vars[key] = value;
  }
  const nested = (env as { vars?: unknown }).vars;
  if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) {
    for (const [key, value] of Object.entries(nested)) {
      if (typeof value === 'string') vars[key] = value;
    }
  }
  return vars;
}
