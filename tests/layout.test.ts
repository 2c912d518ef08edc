import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('layout', () => {
  it('keeps src/ outside src/node/ free of node: imports (edge-runtime safe)', () => {
    const core = files(join(ROOT, 'src')).filter((f) => !relative(join(ROOT, 'src'), f).startsWith('node/'));
    expect(core.length).toBeGreaterThan(10);
    const offenders = core.filter((f) =>
      /from\s+['"](node:|fs|path|http|net|os|child_process|better-sqlite3|ws)['"/]/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('keeps every file in src/ at 300 lines or fewer: a longer one is split along a seam that names a concept', () => {
    const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const long = files(join(ROOT, 'src'))
      .map((f) => [relative(ROOT, f), lineCount(readFileSync(f, 'utf8'))] as const)
      .filter(([, lines]) => lines > 300)
      .map(([file]) => file);
    expect(long).toEqual([]);
  });
});
