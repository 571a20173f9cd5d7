// Starts the real product for the page tests (supertest) and the browser tests (Chromium): the
// product's startServer() with a test configuration, the embedded store in a temp folder, the demo
// district and the manual clock. Browser sessions are the pages' own: a signed cookie from /login.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { loadConfig } from '../../server/config.ts';
import { startServer, type Running } from '../../server/wiring.ts';

export const PASSWORD = 'demo-pass-2026';
export const START = '2026-11-23T09:00:00+08:00';
/** 华阳花园: the first compound of med.c1's community */
export const COMPOUND = 'ou-k1-1-1';

export interface Product {
  running: Running;
  url: string;
  dir: string;
  close(): Promise<void>;
}

export async function startProduct(opts: { listen?: boolean; env?: Record<string, string> } = {}): Promise<Product> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wuye-pages-'));
  // PORT=0 (any free port) is refused by loadConfig, so the port is set after loading
  const config = {
    ...loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, TEST_CLOCK: '1', LOG_LEVEL: 'silent', PASSWORD_SCRYPT_LOG_N: '12', LOGIN_IP_MAX_FAILURES: '1000', ...opts.env }),
    port: 0,
  };
  const running = await startServer(config, { listen: opts.listen ?? false, clockStart: START });
  return {
    running,
    url: running.url,
    dir,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser-like client of the pages: keeps cookies, reads the CSRF token off each page. */
export interface PageClient {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  get(path: string): Promise<request.Response>;
  /** posts a form (urlencoded), adding the CSRF token unless `csrf: false` */
  post(path: string, form: Record<string, string | string[]>, opts?: { csrf?: boolean }): Promise<request.Response>;
}

const CSRF = /data-csrf="([^"]*)"/;

export function pageClient(product: Product): PageClient {
  const agent = request.agent(product.running.app);
  const client: PageClient = {
    agent,
    csrf: '',
    async get(p) {
      const res = await agent.get(p);
      const m = CSRF.exec(res.text ?? '');
      if (m && m[1]) client.csrf = m[1];
      return res;
    },
    async post(p, form, opts = {}) {
      const body = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
      if (opts.csrf !== false && client.csrf) body.append('_csrf', client.csrf);
      const res = await agent.post(p).type('form').send(body.toString());
      const m = CSRF.exec(res.text ?? '');
      if (m && m[1]) client.csrf = m[1];
      return res;
    },
  };
  return client;
}

export async function signIn(product: Product, username: string): Promise<PageClient> {
  const client = pageClient(product);
  const res = await client.post('/login', { username, password: PASSWORD }, { csrf: false });
  if (res.status !== 303) throw new Error(`sign-in of ${username} → ${res.status}`);
  await client.get('/');
  return client;
}

/** The form fields of a typical intake: a leak between two flats in 华阳花园. */
export function intakeForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    channel: 'walk_in',
    compoundId: COMPOUND,
    category: 'leakage',
    summary: '楼上卫生间漏水，渗至楼下天花板',
    claims: '修复漏水\n赔偿损失',
    partyCount: '2',
    'p0.role': 'applicant',
    'p0.kind': 'person',
    'p0.name': '张三',
    'p0.phone': '13812345678',
    'p0.idNumber': '310101199001011234',
    'p0.address': '示范路1号3室',
    'p1.role': 'respondent',
    'p1.kind': 'person',
    'p1.name': '李四',
    'p1.phone': '13987654321',
    nonce: `n${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`.padEnd(20, 'x'),
    op: 'register',
    ...overrides,
  };
}

/** The text of an HTML page without its tags (for checks on what a person reads). */
export function textOf(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

/** what the slip shows: the access code and the case number */
export const ACCESS = /data-access-code="([A-Z0-9]+)"/;
export const CASE_NO = /data-case-no>([^<]+)</;

/** Registers a case through the intake form (201 expected): its slip's code, number, id and page. */
export async function registerCase(client: PageClient, overrides: Record<string, string> = {}) {
  await client.get('/intake');
  const res = await client.post('/intake', intakeForm(overrides));
  expect(res.status, res.text.slice(0, 300)).to.equal(201);
  const code = ACCESS.exec(res.text)?.[1];
  const caseNo = CASE_NO.exec(res.text)?.[1];
  const id = /href="\/cases\/([^"]+)" data-open-case/.exec(res.text)?.[1];
  expect(code, 'access code on the slip').to.be.a('string');
  return { code: code!, caseNo: caseNo!, id: id!, html: res.text };
}

/** Sends an event through the case page's form, with the version the page shows. */
export async function sendEvent(client: PageClient, id: string, type: string, fields: Record<string, string | string[]> = {}) {
  const page = await client.get(`/cases/${id}`);
  const version = /data-case-version="(\d+)"/.exec(page.text)?.[1] ?? '';
  return client.post(`/cases/${id}/events`, { type, expectedVersion: version, ...fields });
}
