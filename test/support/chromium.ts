// Real headless Chromium (Debian's, at /usr/bin/chromium) driven by playwright-core. Never downloads a
// browser: without Chromium the browser tests FAIL and say how to install it (.ci/run does).
// Every page opened is watched for console errors and uncaught exceptions; screenshots go to
// test-artifacts/ (gitignored). `look` runs axe-core over a page state and keeps its screenshot.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
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

// ── accessibility (axe-core) ─────────────────────────────────────────────────────────────────────

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
  any: Array<{ id: string; data?: { contrastRatio?: number; expectedContrastRatio?: string; fgColor?: string; bgColor?: string; messageKey?: string } | null }>;
}
interface AxeRule {
  id: string;
  impact?: string | null;
  help: string;
  nodes: AxeNode[];
}

/**
 * What axe-core finds wrong with the page as it is now: every violation of impact serious or
 * critical, and every colour-contrast result axe could not settle (`incomplete`) whose measured
 * ratio is still below the WCAG AA threshold it expected. The second matters: text whose colour
 * equals its background (1:1, the resident's grey-on-grey status of issue 14) is filed by axe
 * under `incomplete` ("equalRatio"), not `violations`, so reading violations alone misses it.
 * Incomplete results without a ratio (text over an image, obscured text) are not counted.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // evaluated through the DevTools protocol, which the page's CSP (scripts from this site only)
  // does not govern: no bypassCSP, so the journeys still see what the CSP would block
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  // the state as it settles: a running animation (the status pulse after a live change paints a
  // light background for 2.4 s) would hide what a person reads afterwards, so it is ended first
  await page.evaluate(() => {
    for (const a of document.getAnimations()) {
      try {
        a.finish();
      } catch {
        // an infinite animation cannot finish; it is measured as it stands
      }
    }
  });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: unknown[]; incomplete: unknown[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations', 'incomplete'] });
    return { violations: r.violations, incomplete: r.incomplete };
  });
  const where = (n: AxeNode) => `${n.target.join(' ')} ${n.html.slice(0, 120)}`;
  const problems: string[] = [];
  for (const rule of result.violations as AxeRule[]) {
    if (rule.impact !== 'serious' && rule.impact !== 'critical') continue;
    for (const n of rule.nodes) problems.push(`${rule.id} (${rule.impact}): ${rule.help}: ${where(n)}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`);
  }
  for (const rule of result.incomplete as AxeRule[]) {
    if (rule.id !== 'color-contrast' && rule.id !== 'color-contrast-enhanced') continue;
    if (rule.id === 'color-contrast-enhanced') continue; // AAA: not required
    for (const n of rule.nodes) {
      for (const check of n.any) {
        const d = check.data;
        const ratio = d?.contrastRatio;
        const expected = Number.parseFloat(d?.expectedContrastRatio ?? '4.5');
        if (typeof ratio === 'number' && ratio > 0 && ratio < expected) {
          problems.push(`color-contrast (incomplete, ${d?.messageKey ?? 'unsettled'}): ratio ${ratio}:1 < ${expected}:1 (text ${d?.fgColor} on ${d?.bgColor}): ${where(n)}`);
        }
      }
    }
  }
  return problems;
}

/** A page state a journey reaches: axe-core finds nothing serious on it, and its screenshot is kept. */
export async function look(page: Page, name: string): Promise<string> {
  const problems = await accessibilityProblems(page); // first: the screenshot shows the settled state
  const file = await screenshot(page, name);
  if (problems.length) throw new Error(`accessibility problems on ${name} (${page.url()}):\n  ${problems.join('\n  ')}`);
  return file;
}
