import type { RequestIdVariables } from 'hono/request-id';

/** Per-request values set by middleware; handlers read them with `c.get(...)`. */
export type AppEnv = {
  Variables: RequestIdVariables;
};
