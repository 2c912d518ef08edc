/**
 * Transpiles the fake provider and the bare proxy to plain JavaScript under .bench/build, so they
 * run on bare `node` like the built gateway does: under the tsx loader a process carries an extra
 * loader thread, which would inflate the proxy's RSS and muddy the comparison.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SOURCES = ['fakeProvider.ts', 'bareProxy.ts', 'replyProfiles.ts'];

/** Returns the directory holding `fakeProvider.js` and `bareProxy.js`. */
export function compileServers(benchDir: string, outDir: string): string {
  const buildDir = path.join(outDir, 'build');
  mkdirSync(buildDir, { recursive: true });
  // The out dir may sit outside any package.json with "type": "module".
  writeFileSync(path.join(buildDir, 'package.json'), '{ "type": "module" }\n');
  for (const source of SOURCES) {
    const { outputText } = ts.transpileModule(readFileSync(path.join(benchDir, source), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: source,
    });
    writeFileSync(path.join(buildDir, source.replace(/\.ts$/, '.js')), outputText);
  }
  return buildDir;
}
