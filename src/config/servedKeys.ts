import type { z } from 'zod';

/**
 * Reads our own zod schema as a key tree, so the loader can tell a key we serve from one we do not,
 * without a second hand-kept list. Wrappers (optional, default, prefault, nullable, pipe) are seen through.
 */
type Schema = z.core.$ZodType;

function unwrap(schema: Schema): Schema {
  let s = schema;
  for (;;) {
    const def = s._zod.def as { type: string; innerType?: Schema; in?: Schema };
    if (def.innerType !== undefined) s = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) s = def.in;
    else return s;
  }
}

/**
 * The schema under `segment`, or undefined when our schema has no such key there.
 * `named` is false when the key is only taken by a record or catch-all rather than named in a shape.
 */
export function servedChild(schema: Schema, segment: string | number): { schema: Schema; named: boolean } | undefined {
  const s = unwrap(schema);
  const def = s._zod.def as {
    type: string;
    shape?: Record<string, Schema>;
    catchall?: Schema;
    valueType?: Schema;
    element?: Schema;
    options?: Schema[];
  };
  switch (def.type) {
    case 'object': {
      if (typeof segment !== 'string') return undefined;
      if (def.shape !== undefined && Object.hasOwn(def.shape, segment))
        return { schema: def.shape[segment]!, named: true };
      return def.catchall !== undefined && def.catchall._zod.def.type !== 'never'
        ? { schema: def.catchall, named: false }
        : undefined;
    }
    case 'record':
      return typeof segment === 'string' && def.valueType !== undefined
        ? { schema: def.valueType, named: false }
        : undefined;
    case 'array':
      return typeof segment === 'number' && def.element !== undefined
        ? { schema: def.element, named: true }
        : undefined;
    case 'union':
      for (const option of def.options ?? []) {
        const found = servedChild(option, segment);
        if (found !== undefined) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Whether values under this schema are checked key by key (objects, records, arrays); otherwise zod alone judges. */
export function hasServedKeys(schema: Schema): boolean {
  const type = unwrap(schema)._zod.def.type;
  if (type === 'union') {
    return ((unwrap(schema)._zod.def as { options?: Schema[] }).options ?? []).some(hasServedKeys);
  }
  return type === 'object' || type === 'record' || type === 'array';
}

/** Whether any key goes under this schema (a record or a catch-all), so a misspelt key cannot be caught here. */
export function takesAnyKey(schema: Schema): boolean {
  const def = unwrap(schema)._zod.def as { type: string; catchall?: Schema };
  return (
    def.type === 'record' ||
    (def.type === 'object' && def.catchall !== undefined && def.catchall._zod.def.type !== 'never')
  );
}

/** The fixed key names of an object schema (for suggestions). */
export function servedNames(schema: Schema): string[] {
  const s = unwrap(schema);
  const def = s._zod.def as { type: string; shape?: Record<string, Schema>; options?: Schema[] };
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.type === 'union') return (def.options ?? []).flatMap(servedNames);
  return [];
}
