// Real headless Chromium (Debian's, at /usr/bin/chromium) driven by playwright-core. Never downloads a
// browser: without Chromium the browser tests FAIL and say how to install it (.ci/run does).
// Every page opened is watched for console errors and uncaught exceptions; screenshots go to
// test-artifacts/ (gitignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.join(here, '../../test-artifacts');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the browser tests need Debian's chromium package ` +
        '(apt-get install -y chromium; .ci/run installs it). They fail rather than skip without it.',
    );
  }
}

export interface Session {
  context: BrowserContext;
  /** console errors and uncaught exceptions seen on any page of this session */
  problems: string[];
  page(): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh browser with its own profile (cookies, storage): one per person in a journey. */
export async function openSession(opts: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<Session> {
  requireChromium();
  // a fresh profile each time: playwright passes it to Chromium as --user-data-dir (and refuses
  // that flag among `args`)
  const profile = mkdtempSync(path.join(tmpdir(), 'wuye-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    locale: opts.locale ?? 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: false,
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`${page.url()}: console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`${page.url()}: uncaught: ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    problems,
    async page() {
      const existing = context.pages().find((p) => p.url() === 'about:blank');
      return existing ?? context.newPage();
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
