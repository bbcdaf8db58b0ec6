/**
 * Debian's chromium driven by playwright-core for the playground's tests: one browser per test file (they are
 * CPU-heavy on a shared machine), a fresh profile, the page's console errors collected, and screenshots saved
 * under test-artifacts/playground/ (git-ignored; the folder is printed).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Voxwire } from '../../src/app.js';
import { startTestServer } from '../conformance/server.js';
import { buildPageScripts } from '../support/page-scripts.js';
import { REPO_ROOT } from '../support/child-env.js';


export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'playground');

export interface TestBrowser {
  readonly context: BrowserContext;
  /** Console errors and uncaught exceptions of every page, as text. */
  readonly consoleErrors: string[];
  newPage(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'voxwire-chromium-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  console.log(`# playground screenshots: ${ARTIFACTS}`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    viewport: { width: 360, height: 900 },
    acceptDownloads: true,
  });
  const consoleErrors: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  return {
    context,
    consoleErrors,
    newPage: () => context.newPage(),
    async screenshot(page, name) {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What the page reports of itself (`window.voxwirePlayground`, src/playground/app.ts). */
export interface PageReport {
  voices: number;
  phase: string;
  scheduledSamples: number;
  playedSamples: number;
  sampleRate: number;
  characters: number;
  highlighted: number;
  spokenText: string;
  firstAudioMs?: number;
  realTimeFactor?: number;
  error: string;
  designCandidates: number;
  candidatesPlayed: number;
  keptVoice: string;
}

export const reportOf = (page: Page): Promise<PageReport> => page.evaluate(() => (window as unknown as { voxwirePlayground: PageReport }).voxwirePlayground);

/** One keyless server and one browser for a test file, the page's scripts built first; both closed after it. */
export function playgroundFixture(): { readonly server: Voxwire; readonly browser: TestBrowser } {
  const fixture = {} as { server: Voxwire; browser: TestBrowser };
  before(async () => {
    await buildPageScripts();
    fixture.server = await startTestServer({ workers: 1 });
    fixture.browser = await launchBrowser();
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.server?.close();
  });
  return fixture;
}
