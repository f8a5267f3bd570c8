/**
 * What the browser tests share: the Chromium npm test found or installed, the flags for a headless
 * browser in a container, a wait for something a server does on its own, and screenshots kept in
 * test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { ROOT } from './fixtures';

export const ARTIFACTS = join(ROOT, 'test-artifacts');
/** Flags for a headless browser in a container or CI: no sandbox (root), no GPU, no /dev/shm, no background traffic. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];

/** The Chromium scripts/ensure-chromium.sh found or installed for this run (npm test runs it). */
export function findChromium(): string {
  if (process.env.CHROMIUM_UNAVAILABLE) assert.fail(process.env.CHROMIUM_UNAVAILABLE);
  const path = process.env.CHROMIUM_PATH;
  assert.ok(path, 'CHROMIUM_PATH is not set: run the suite with `npm test`, which finds or installs Chromium (scripts/ensure-chromium.sh)');
  assert.ok(existsSync(path), `CHROMIUM_PATH=${path} does not exist: point it at a Chromium binary, or unset it and run npm test, which installs one`);
  return path;
}

/** Polls until the probe gives a value: for what another process does in its own time (not a timed assertion). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function screenshot(page: Page, name: string, t: TestContext): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  t.diagnostic(`screenshot: ${path}`);
  return path;
}
