import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium on the PATH, or null when the machine has none (the test then skips with one line). */
export function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || null;
    } catch {
      // not this name
    }
  }
  return null;
}

export interface TestBrowser {
  /** One persistent context: open pages with `context.newPage()`. */
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Real headless Chromium with a fresh profile. The closed network refuses Chromium's own calls home,
 * hence the background-networking flags.
 */
export async function launchChromium(executablePath: string, extraArgs: string[] = []): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'openclaw-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
