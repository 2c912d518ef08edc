import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The Control UI: src/ui/ built into dist/ui/, which the gateway serves (src/node/controlUiFiles.ts). */
export default defineConfig({
  root: fileURLToPath(new URL('./src/ui', import.meta.url)),
  // Relative URLs: the page works under any gateway.controlUi.basePath.
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small app: one script, one stylesheet, no preload helper injected into the page.
    modulePreload: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    sourcemap: false,
  },
});
