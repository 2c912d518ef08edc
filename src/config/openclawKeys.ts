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

/**
 * Reads the generated `name{child,child{grandchild}}` text. A node's children are read when first
 * asked for: a config touches a few dozen of the ~6,000 keys, and building them all cost start-up
 * ~10-30 ms.
 */
export function parseKeyTree(text: string): KeyNode {
  return new LazyKeyNode(text, 0);
}

const LEAF: KeyNode = { children: new Map() };

class LazyKeyNode implements KeyNode {
  #children: Map<string, KeyNode> | undefined;

  constructor(
    private readonly text: string,
    /** Where this node's list starts: just inside its `{`, or 0 for the root. */
    private readonly start: number,
  ) {}

  get children(): ReadonlyMap<string, KeyNode> {
    this.#children ??= readLevel(this.text, this.start);
    return this.#children;
  }
}

/** The names of one level, each child's own list skipped over (read later, if ever). */
function readLevel(text: string, start: number): Map<string, KeyNode> {
  const children = new Map<string, KeyNode>();
  const delimiter = /[{},]/g;
  let at = start;
  while (at < text.length && text[at] !== '}') {
    delimiter.lastIndex = at;
    const end = delimiter.exec(text)?.index ?? text.length;
    const name = text.slice(at, end);
    at = end;
    if (text[at] === '{') {
      children.set(name, new LazyKeyNode(text, at + 1));
      at = afterGroup(text, at + 1);
    } else {
      children.set(name, LEAF);
    }
    if (text[at] === ',') at++;
  }
  return children;
}

/** The position just past the `}` that closes the list starting at `at`. */
function afterGroup(text: string, at: number): number {
  const brace = /[{}]/g;
  brace.lastIndex = at;
  let depth = 1;
  for (let found = brace.exec(text); found !== null; found = brace.exec(text)) {
    depth += found[0] === '{' ? 1 : -1;
    if (depth === 0) return found.index + 1;
  }
  return text.length;
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
