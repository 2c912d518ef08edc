import { join, relative } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths.js';

/** Module graph of src/, type-only imports included (they tie layers together as much as value imports do). */
async function sourceGraph(): Promise<Map<string, Set<string>>> {
  const tsConfig = extractTSConfig(join(ROOT, 'tsconfig.json'));
  const { output } = await cruise(
    ['src'],
    {
      baseDir: ROOT,
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
      exclude: { path: '\\.test\\.ts$' },
    },
    undefined,
    { tsConfig },
  );
  const graph = new Map<string, Set<string>>();
  for (const module of (output as ICruiseResult).modules) {
    if (!module.source.startsWith('src/')) continue;
    const targets = module.dependencies.map((d) => d.resolved).filter((r) => r.startsWith('src/'));
    graph.set(module.source, new Set(targets));
  }
  return graph;
}

/** The same graph with every file replaced by its top-level folder under src/ (files at the root stay files). */
function folderGraph(files: Map<string, Set<string>>): Map<string, Set<string>> {
  const folderOf = (file: string): string => {
    const parts = relative('src', file).split('/');
    return parts.length === 1 ? file : `src/${parts[0]}/`;
  };
  const graph = new Map<string, Set<string>>();
  for (const [from, targets] of files) {
    const edges = graph.get(folderOf(from)) ?? new Set<string>();
    for (const to of targets) if (folderOf(to) !== folderOf(from)) edges.add(folderOf(to));
    graph.set(folderOf(from), edges);
  }
  return graph;
}

/** Cycles met by a depth-first walk (at least one wherever there is any), each as the path that closes it. */
function cycles(graph: Map<string, Set<string>>): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): void => {
    const open = path.indexOf(node);
    if (open !== -1) {
      found.push([...path.slice(open), node].join(' -> '));
      return;
    }
    if (done.has(node)) return;
    path.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    path.pop();
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) visit(node);
  return found;
}

describe('import graph of src/', () => {
  let files: Map<string, Set<string>>;
  beforeAll(async () => {
    files = await sourceGraph();
  });

  it('sees the whole tree, type-only imports included', () => {
    expect(files.size).toBeGreaterThan(50);
    // A type-only edge the graph must hold, or the check below would pass for the wrong reason.
    expect(files.get('src/context.ts')).toContain('src/agent/runtime.ts');
  });

  it('has no cycle between files', () => {
    expect(cycles(files)).toEqual([]);
  });

  it('has no cycle between the top-level folders (layers)', () => {
    expect(cycles(folderGraph(files))).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['src/a.ts', new Set(['src/b/x.ts'])],
      ['src/b/x.ts', new Set(['src/b/y.ts'])],
      ['src/b/y.ts', new Set(['src/a.ts'])],
    ]);
    expect(cycles(graph)).toEqual(['src/a.ts -> src/b/x.ts -> src/b/y.ts -> src/a.ts']);
    expect(cycles(folderGraph(graph))).toEqual(['src/a.ts -> src/b/ -> src/a.ts']);
  });
});
