#!/usr/bin/env node
// The one Node entry: runs the compiled CLI (npm ci builds it through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('./dist/node/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('openclaw: dist/ is missing; run `npm ci` (or `npm run build`) first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
