import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let found: { nativeBinding?: string } | undefined;

/**
 * better-sqlite3's compiled addon, as the `nativeBinding` option: without it the package asks the
 * `bindings` helper, which reads a stack trace and tries a dozen paths (~5-15 ms of start-up).
 * Where the usual build is missing, the option is left out and `bindings` searches as before.
 */
export function sqliteAddon(): { nativeBinding?: string } {
  if (found !== undefined) return found;
  let addon: string | undefined;
  try {
    const root = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
    addon = join(root, 'build', 'Release', 'better_sqlite3.node');
  } catch {
    addon = undefined;
  }
  found = addon !== undefined && existsSync(addon) ? { nativeBinding: addon } : {};
  return found;
}
