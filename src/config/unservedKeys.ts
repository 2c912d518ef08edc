import type { z } from 'zod';
import { nearestKey } from './nearestKey.js';
import { type KeyNode, keyChild, keyNames, ANY_KEY } from './openclawKeys.js';
import { hasServedKeys, servedChild, servedNames, takesAnyKey } from './servedKeys.js';

export type KeyPath = ReadonlyArray<string | number>;

export interface UnknownKey {
  path: KeyPath;
  /** The nearest key known at that level, ours or OpenClaw's. */
  suggestion?: string;
}

export interface KeySorting {
  /** The config with every key we do not serve removed; what zod validates. */
  served: unknown;
  /** Keys OpenClaw accepts and this gateway does not serve, as found in the file. */
  ignored: KeyPath[];
  /** The same, with map keys as `*` and array items as `[]`: the shape of what was ignored, deduplicated. */
  ignoredSections: string[];
  /** Keys neither knows: typos. */
  unknown: UnknownKey[];
}

/**
 * Walks the parsed file against our schema and OpenClaw's key tree at once. A key we serve is kept;
 * a key only OpenClaw knows is dropped and reported as ignored; a key neither knows is a typo.
 * Where our schema takes any key (a record or catch-all) but OpenClaw names the key, OpenClaw's
 * meaning wins: `env.shellEnv` is OpenClaw's setting, not a variable called shellEnv.
 */
export function sortKeys(raw: unknown, schema: z.core.$ZodType, openclaw: KeyNode): KeySorting {
  const ignored: KeyPath[] = [];
  const sections = new Set<string>();
  const unknown: UnknownKey[] = [];

  /** Inside an ignored key only typos matter: OpenClaw's tree is still checked, nothing is kept. */
  function check(value: unknown, theirs: KeyNode, path: (string | number)[]): void {
    if (theirs.children.size === 0 || value === null || typeof value !== 'object') return;
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      const known = keyChild(theirs, key);
      if (known !== undefined) check(child, known, [...path, key]);
      else if (typeof key === 'string') {
        const suggestion = nearestKey(key, keyNames(theirs));
        unknown.push(suggestion === undefined ? { path: [...path, key] } : { path: [...path, key], suggestion });
      }
    }
  }

  function walk(
    value: unknown,
    ours: z.core.$ZodType | undefined,
    theirs: KeyNode | undefined,
    path: (string | number)[],
    shape: string[],
  ): unknown {
    // Where our schema wants a plain value (a string that OpenClaw also takes as an object, say), zod judges it.
    if (ours !== undefined && !hasServedKeys(ours)) return value;
    if (Array.isArray(value)) {
      return value.map((item, i) =>
        walk(item, ours && servedChild(ours, i)?.schema, theirs && keyChild(theirs, i), [...path, i], [...shape, '[]']),
      );
    }
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const served = ours === undefined ? undefined : servedChild(ours, key);
      // A leaf of OpenClaw's tree with no listed children takes any keys (free-form maps such as env.vars).
      const free = theirs !== undefined && theirs.children.size === 0;
      const known = theirs === undefined || free ? undefined : keyChild(theirs, key);
      const openclawNames = known !== undefined && theirs!.children.has(key);
      const segment =
        served !== undefined && !served.named
          ? '*'
          : known !== undefined && !openclawNames && theirs!.children.has(ANY_KEY)
            ? '*'
            : key;
      if (served !== undefined && (served.named || !openclawNames)) {
        out[key] = walk(child, served.schema, free ? theirs : known, [...path, key], [...shape, segment]);
      } else if (known !== undefined || free) {
        ignored.push([...path, key]);
        sections.add([...shape, segment].join('.').replace(/\.\[\]/g, '[]'));
        if (known !== undefined) check(child, known, [...path, key]);
      } else {
        const names = [...(ours ? servedNames(ours) : []), ...(theirs ? keyNames(theirs) : [])];
        const suggestion = ours !== undefined && takesAnyKey(ours) ? undefined : nearestKey(key, names);
        unknown.push(suggestion === undefined ? { path: [...path, key] } : { path: [...path, key], suggestion });
      }
    }
    return out;
  }

  const served = walk(raw, schema, openclaw, [], []);
  return { served, ignored, ignoredSections: [...sections], unknown };
}

/** `a.b[0].c`, the way problems and `--verbose` name a key. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const segment of path)
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  return text;
}
