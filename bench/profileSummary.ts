/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per file or package, self and
 * inclusive time per function, so a hot path can be named without a flame-graph viewer.
 *
 * `node --import tsx bench/profileSummary.ts <file.cpuprofile> [--top N]`
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A package name for node_modules files, `dist/...` for the gateway's own, `node:...` for Node's. */
function where(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest.slice(0, rest[0]?.startsWith('@') ? 2 : 1).join('/');
  }
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1);
  if (url === '') return '(native/vm)';
  return url.replace(/^file:\/\//, '');
}

const add = (map: Map<string, number>, key: string, us: number): void => {
  map.set(key, (map.get(key) ?? 0) + us);
};

/** Self and inclusive time tables for one profile, as text. Idle time is left out of the percentages. */
export function summarizeProfile(file: string, top = 30): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));

  const label = (node: ProfileNode): string =>
    `${node.callFrame.functionName || '(anonymous)'}  ${where(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  const fnSelf = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const owners = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  // Node's internals (its bundled fetch, web streams, sockets) are charged to the nearest
  // package or gateway file that called them: that is the code that chose to spend the time.
  const owner = (id: number): string => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)!.callFrame.url;
      if (url !== '' && !url.startsWith('node:')) return where(url);
    }
    const leaf = byId.get(id)!.callFrame;
    return leaf.url === '' ? `(${leaf.functionName || 'native'})` : 'node: (no caller)';
  };
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    add(fnSelf, label(node), us);
    add(fileSelf, where(node.callFrame.url), us);
    add(owners, owner(id), us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = label(byId.get(cur)!);
      if (!seen.has(key)) add(inclusive, key, us);
      seen.add(key);
    }
  }

  const lines = [
    `${file}: ${(busy / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle; percentages of busy time`,
  ];
  const print = (title: string, map: Map<string, number>): void => {
    lines.push('', title);
    for (const [name, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      lines.push(`${((100 * us) / busy).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
    }
  };
  print('time by owner (Node internals charged to their nearest caller)', owners);
  print('self time by file or package', fileSelf);
  print('self time by function', fnSelf);
  print('inclusive time by function', inclusive);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '30' } },
  });
  if (!positionals[0]) throw new Error('usage: profileSummary.ts <file.cpuprofile> [--top N]');
  console.log(summarizeProfile(positionals[0], Number(values.top)));
}
