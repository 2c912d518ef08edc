import { z } from 'zod';

/**
 * How deep and how big a client's free-form JSON may be. JSON.stringify, structuredClone and the
 * provider SDKs recurse, and overflow the stack a few thousand levels down, so anything the
 * gateway passes on or stores is bounded well below that, and refused up front as a 400.
 */
export interface JsonLimits {
  /** Levels of nesting: a scalar is 0, `{}` and `[]` are 1. */
  maxDepth: number;
  /** Values in all, containers included. */
  maxNodes: number;
}

/** A tool's `parameters`, a `response_format` schema: deeper than any real schema, far from the stack. */
export const SCHEMA_LIMITS: JsonLimits = { maxDepth: 64, maxNodes: 100_000 };

/** The whole request body: room for the schemas inside it, nothing pathological. */
export const BODY_LIMITS: JsonLimits = { maxDepth: 128, maxNodes: Number.POSITIVE_INFINITY };

export interface JsonExcess {
  reason: 'depth' | 'size';
  /** Where the walk gave up: the path of the value that went past the limit. */
  path: Array<string | number>;
}

interface Frame {
  value: unknown;
  depth: number;
  key: string | number;
  parent: Frame | undefined;
}

/** First place `value` goes past `limits`, or undefined. Iterative: it cannot overflow itself. */
export function jsonExcess(value: unknown, limits: JsonLimits): JsonExcess | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stack: Frame[] = [{ value, depth: 1, key: '', parent: undefined }];
  let nodes = 1;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > limits.maxDepth) return { reason: 'depth', path: pathOf(frame) };
    const container = frame.value as Record<string, unknown> | unknown[];
    if (Array.isArray(container)) {
      nodes += container.length;
      if (nodes > limits.maxNodes) return { reason: 'size', path: pathOf(frame) };
      for (let i = 0; i < container.length; i++) push(stack, container[i], frame, i);
    } else {
      const keys = Object.keys(container);
      nodes += keys.length;
      if (nodes > limits.maxNodes) return { reason: 'size', path: pathOf(frame) };
      for (const key of keys) push(stack, container[key], frame, key);
    }
  }
  return undefined;
}

function push(stack: Frame[], value: unknown, parent: Frame, key: string | number): void {
  if (typeof value === 'object' && value !== null) stack.push({ value, depth: parent.depth + 1, key, parent });
}

function pathOf(frame: Frame): Array<string | number> {
  const path: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) path.unshift(f.key);
  return path;
}

/** The message a 400 gives for an excess. */
export function excessMessage(excess: JsonExcess, limits: JsonLimits): string {
  return excess.reason === 'depth'
    ? `nested more than ${limits.maxDepth} levels deep`
    : `too large: more than ${limits.maxNodes} values`;
}

/** Free-form JSON (a JSON schema...) bounded by `limits`, the issue raised where the free-form part starts. */
export function boundedJson(limits: JsonLimits = SCHEMA_LIMITS) {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const excess = jsonExcess(value, limits);
    if (excess) ctx.addIssue({ code: 'custom', message: excessMessage(excess, limits) });
  });
}

/**
 * A whole request body's bound, for a root schema's `superRefine`: catches what the fields let
 * through unchecked (unknown fields, extra keys of parts), named by the first levels of its path.
 */
export function checkBodyBounds(body: unknown, ctx: z.RefinementCtx): void {
  const excess = jsonExcess(body, BODY_LIMITS);
  if (excess)
    ctx.addIssue({ code: 'custom', path: excess.path.slice(0, 3), message: excessMessage(excess, BODY_LIMITS) });
}
