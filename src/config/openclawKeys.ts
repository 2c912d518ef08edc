import { OPENCLAW_KEY_TREE } from './openclawKeys.generated.js';

/** One node of OpenClaw's config key tree. A node without children takes any value, keys included. */
export interface KeyNode {
  readonly children: ReadonlyMap<string, KeyNode>;
}

/** Stands for any map key in the tree (`agents.entries.<name>`). */
export const ANY_KEY = '<name>';
/** Stands for any array item in the tree (`models.providers.<name>.models[]`). */
export const ARRAY_ITEM = '[]';

let parsed: KeyNode | undefined;

/** The key tree of the OpenClaw release we track, parsed on first use (only config loading needs it). */
export function openclawKeyTree(): KeyNode {
  parsed ??= parseKeyTree(OPENCLAW_KEY_TREE);
  return parsed;
}

/** Reads the generated `name{child,child{grandchild}}` text. */
export function parseKeyTree(text: string): KeyNode {
  let at = 0;
  function list(): Map<string, KeyNode> {
    const children = new Map<string, KeyNode>();
    while (at < text.length && text[at] !== '}') {
      let end = at;
      while (end < text.length && !'{},'.includes(text[end]!)) end++;
      const name = text.slice(at, end);
      at = end;
      let grand: Map<string, KeyNode> = new Map();
      if (text[at] === '{') {
        at++;
        grand = list();
        at++; // the closing brace
      }
      children.set(name, { children: grand });
      if (text[at] === ',') at++;
    }
    return children;
  }
  return { children: list() };
}

/** The node a config key leads to: the exact name first, then a map key, then an array index. */
export function keyChild(node: KeyNode, segment: string | number): KeyNode | undefined {
  if (typeof segment === 'number') return node.children.get(ARRAY_ITEM);
  return node.children.get(segment) ?? node.children.get(ANY_KEY);
}

/** Names a user could mean at this level (placeholders left out). */
export function keyNames(node: KeyNode): string[] {
  return [...node.children.keys()].filter((k) => k !== ANY_KEY && k !== ARRAY_ITEM);
}
