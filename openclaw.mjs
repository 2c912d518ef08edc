#!/usr/bin/env node
// The one Node entry: runs the compiled CLI (npm ci builds it through `prepare`), bundled when the
// bundle exists; OPENCLAW_UNBUNDLED=1 runs the plain tsc output (profiles then name each package).
import { existsSync } from 'node:fs';

const bundled = new URL('./dist/bundle/openclaw.js', import.meta.url);
const plain = new URL('./dist/node/cli/main.js', import.meta.url);
const entry = process.env.OPENCLAW_UNBUNDLED !== '1' && existsSync(bundled) ? bundled : plain;
if (!existsSync(entry)) {
  process.stderr.write('openclaw: dist/ is missing; run `npm ci` (or `npm run build`) first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
