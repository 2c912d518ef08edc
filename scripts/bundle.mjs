// Bundles the compiled CLI (dist/node/cli/main.js) and its dependencies into dist/bundle/, which
// openclaw.mjs runs: one file per lazily loaded part instead of ~700 modules to resolve, read and
// compile, which halves the time from spawn to the first served completion and trims idle RSS.
// better-sqlite3 stays outside: a native addon that finds its binary relative to its package.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * zod re-exports every message locale (`z.locales`, ~260 KB of the ~470 KB it adds to the start-up
 * chunk); the gateway only uses English, the one zod installs by default. The others are left out.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

// Chunk names carry content hashes: clear out the last build's.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { openclaw: 'dist/node/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // pg-native is pg's optional libpq binding, required only when asked for.
  external: ['better-sqlite3', 'pg-native'],
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  // Identifiers are not renamed, so class and function names stay (libraries and logs read them:
  // the OpenAI SDK's user-agent is its class name, undici's brand checks compare constructor names)
  // without esbuild's keepNames, which re-sets `name` on every function and class it emits, at
  // each creation: ~40 closures per request, each given a property store (~10 KB per open stream,
  // ~10 MB over 1,000 streams) by an Object.defineProperty call. Only names that collide across
  // the bundle get a suffix (the Anthropic SDK's second copy of `Anthropic`, say).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
  // Bundled CommonJS packages (ws, commander...) call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __openclawRequire } from 'node:module'; const require = __openclawRequire(import.meta.url);",
  },
});
