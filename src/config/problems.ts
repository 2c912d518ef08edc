import type { z } from 'zod';

/** One line per problem, naming the key path and, where the source text shows it, the line. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], source: string | undefined): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(problemLine([...issue.path, key], 'unknown key', source));
      continue;
    }
    problems.push(problemLine(issue.path, issue.message, source));
  }
  return problems;
}

function problemLine(path: readonly PropertyKey[], message: string, source: string | undefined): string {
  const dotted = path.length === 0 ? '(root)' : path.map(String).join('.');
  const line = source === undefined ? undefined : lineOf(path, source);
  return line === undefined ? `${dotted}: ${message}` : `${dotted} (line ${line}): ${message}`;
}

/**
 * Best-effort line lookup: walks the path's object keys in order through the text, each
 * search starting where the previous key was found. Array indexes are skipped.
 */
export function lineOf(path: readonly PropertyKey[], source: string): number | undefined {
  let from = 0;
  let found = -1;
  for (const segment of path) {
    if (typeof segment !== 'string') continue;
    const escaped = segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(["']?)${escaped}\\1\\s*:`, 'g');
    re.lastIndex = from;
    const m = re.exec(source);
    if (!m) return found < 0 ? undefined : lineAt(source, found);
    found = m.index;
    from = m.index + m[0].length;
  }
  return found < 0 ? undefined : lineAt(source, found);
}

function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}
