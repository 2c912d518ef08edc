/**
 * The two reference servers every bench runs beside the gateway, the fake provider and the bare proxy:
 * transpiled to plain JavaScript under .bench/build, so they run on bare `node` like the built gateway
 * does (under the tsx loader a process carries an extra loader thread, which would inflate the proxy's
 * RSS and muddy the comparison), spawned, and addressed directly.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { GATEWAY_TOKEN } from './gatewayProcess.js';
import type { Target } from './loadGenerator.js';
import { defaultReplyProfiles, type ProfileName, type ReplyProfiles } from './replyProfiles.js';
import { spawnServer, type ServerProcess } from './serverProcess.js';

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

/** The fake provider from `buildDir` (see compileServers), on a free port. */
export function spawnFakeProvider(
  buildDir: string,
  profiles: ReplyProfiles = defaultReplyProfiles(),
  cwd?: string,
): Promise<ServerProcess> {
  return spawnServer({
    name: 'fake provider',
    args: [path.join(buildDir, 'fakeProvider.js'), '--port', '0', '--profiles', JSON.stringify(profiles)],
    ...(cwd === undefined ? {} : { cwd }),
  });
}

/** A bare node:http proxy from `buildDir` in front of `upstream`, on a free port. */
export function spawnBareProxy(buildDir: string, upstream: string, cwd?: string): Promise<ServerProcess> {
  return spawnServer({
    name: 'bare proxy',
    args: [path.join(buildDir, 'bareProxy.js'), '--port', '0', '--upstream', upstream],
    ...(cwd === undefined ? {} : { cwd }),
  });
}

/** Chat completions sent straight to the fake provider or through the bare proxy, asking for `profile`. */
export function directTarget(name: string, server: { origin: string; pid: number }, profile: ProfileName): Target {
  const bodies = [false, true].map((stream) =>
    JSON.stringify({ model: profile, messages: [{ role: 'user', content: 'hi' }], stream }),
  );
  return {
    name,
    origin: server.origin,
    pid: server.pid,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY_TOKEN}` },
    body: (stream) => bodies[stream ? 1 : 0]!,
  };
}
