// Every kind printed to PDF in real Chromium (/usr/bin/chromium, test/support/chromium.ts): A4, page
// numbers "第 N 页 共 M 页" on every sheet (@page margin boxes), the CJK font the stylesheet names, the
// README walk's agreement on at most two sheets, and no text wider than its box (issue 13 §4).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { prepareDocument } from '../../../server/documents/issue.ts';
import { DOCUMENT_KINDS, type DocumentKind } from '../../../server/documents/templates.ts';
import type { CaseContext } from '../../../workflows/case.types.ts';
import { openSession, type Session } from '../../support/chromium.ts';
import { ctxOf, declined, delegated, fullCase, issueInput, mediatingCase, referred, terminated, withAgreement, withFollowUp, type Fixture } from './fixture.ts';

function fixtureFor(kind: DocumentKind): Fixture {
  if (kind === 'non_acceptance_notice') return declined(mediatingCase(), '已由人民法院立案受理', 'before_court');
  if (kind === 'termination_notice') return terminated(mediatingCase());
  if (kind === 'court_referral') return referred(delegated(mediatingCase()));
  if (kind === 'court_submission') {
    const f = withAgreement(mediatingCase());
    ctxOf(f).delegation = { courtRef: '（2026）示民初88号', dueAt: '2026-12-02T23:59:59+08:00', mode: 'entrusted' };
    return f;
  }
  const f = fullCase();
  if (kind === 'enforcement_advice') ctxOf(f).confirmation = { requestedAt: '2026-11-19T10:00:00+08:00', confirmed: true, decidedAt: '2026-11-28T10:00:00+08:00' };
  if (kind === 'confirmation_application') f.now = '2026-11-25T10:00:00+08:00';
  return f;
}

/** The README's walk: two people, one clause, the particulars as typed there. */
function readmeWalk(): Fixture {
  const f = mediatingCase();
  const ctx: CaseContext = ctxOf(f);
  ctx.parties = [
    { id: 'p1', role: 'applicant', kind: 'person', name: '张三', phone: '13812345678' },
    { id: 'p2', role: 'respondent', kind: 'person', name: '李四' },
  ];
  ctx.flags = { major: false, specialised: false, escalationRisk: false, majorReasons: [] };
  const w = withAgreement(f, { clauses: [{ text: '三日内修复漏水' }], facts: '楼上漏水', disputePoints: '维修责任', responsibilities: '李四负责修复' });
  delete ctxOf(w).agreement!.amount; // the walk names no sum
  return w;
}

/** Twelve instalments, several obligors, a no-performance clause, long names. */
function multiParty(): Fixture {
  const f = mediatingCase();
  ctxOf(f).parties[2].name = '示范市安居物业服务集团有限公司示范区第二分公司幸福家园小区物业服务中心';
  const instalments = Array.from({ length: 12 }, (_, i) => ({
    text: `被申请人支付第${i + 1}期补偿款`,
    obligors: ['p3'],
    manner: '银行转账至申请人指定账户',
    place: '示范区阳光路1号',
    amount: 1000,
    performBy: `2027-${String(i + 1).padStart(2, '0')}-15`,
  }));
  const clauses = [...instalments, { text: '双方对调解内容保密', noPerformance: true }];
  const out = withFollowUp(withAgreement(f, { clauses, forConfirmation: true }));
  ctxOf(out).agreement!.performBy = '2027-12-15';
  return out;
}

interface Printed {
  pages: number;
  text: string;
  overflow: string[];
}

async function print(page: Page, dir: string, name: string, html: string): Promise<Printed> {
  await page.setViewportSize({ width: 590, height: 900 }); // 156 mm: A4 less the side margins, at 96 dpi
  await page.setContent(html, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const overflow = await page.evaluate(() => {
    const main = document.querySelector('main')!;
    const right = main.getBoundingClientRect().right;
    return [...main.querySelectorAll<HTMLElement>('*')]
      .filter((e) => e.getBoundingClientRect().right > right + 1 || (getComputedStyle(e).display !== 'inline' && e.scrollWidth > e.clientWidth + 1))
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent ?? '').slice(0, 40)}`);
  });
  // the fonts Chromium actually drew the text with (Chromium embeds them nameless in the PDF)
  const fonts = await fontsUsed(page);
  expect(fonts, `${name}: fonts`).to.satisfy((f: string[]) => f.some((x) => /Noto (Serif|Sans) CJK|WenQuanYi/.test(x)));
  expect(fonts.filter((x) => !/CJK|WenQuanYi|Song|Hei|Kai|YaHei/.test(x)), `${name}: no Latin font for digits`).to.deep.equal([]);
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, await page.pdf({ preferCSSPageSize: true, printBackground: true }));
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return { pages: Number(/Pages:\s+(\d+)/.exec(info)![1]), text: execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }), overflow };
}

async function fontsUsed(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: 'main p, main td, main th, main h1, main h2, main li, main span' });
  const names = new Set<string>();
  for (const nodeId of nodeIds.slice(0, 400)) {
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    for (const f of fonts) names.add(f.familyName);
  }
  await cdp.detach();
  return [...names];
}

function expectNumbered(p: Printed, name: string): void {
  for (let n = 1; n <= p.pages; n++) expect(p.text.replace(/\s+/g, ''), `${name}: page ${n}`).to.include(`第${n}页共${p.pages}页`);
}

describe('documents printed in Chromium (issue 13 §4)', function () {
  this.timeout(120_000);
  let session: Session;
  let page: Page;
  let dir: string;
  before(async () => {
    session = await openSession();
    page = await session.page();
    dir = mkdtempSync(path.join(tmpdir(), 'wuye-print-'));
  });
  after(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of DOCUMENT_KINDS) {
    it(`${kind}: numbered pages, CJK fonts, nothing wider than its box`, async () => {
      const doc = prepareDocument(issueInput(fixtureFor(kind), kind), kind, 1);
      const p = await print(page, dir, kind, doc.html);
      expect(p.pages).to.be.at.least(1);
      expectNumbered(p, kind);
      expect(p.overflow, kind).to.deep.equal([]);
      expect(session.problems).to.deep.equal([]);
    });
  }

  it('the README walk\'s agreement fits on two sheets, the last not holding the footnote alone', async () => {
    const p = await print(page, dir, 'readme-walk', prepareDocument(issueInput(readmeWalk(), 'agreement'), 'agreement', 1).html);
    expect(p.pages).to.be.at.most(2);
    const last = p.text.split('\f').filter((s) => s.trim()).pop()!;
    expect(last).to.include('（盖章）');
  });

  it('a multi-party, twelve-instalment agreement prints every clause with its obligor and date, numbered, without overflow', async () => {
    const f = multiParty();
    const p = await print(page, dir, 'multi-party', prepareDocument(issueInput(f, 'agreement'), 'agreement', 1).html);
    expectNumbered(p, 'multi-party');
    expect(p.overflow).to.deep.equal([]);
    const flat = p.text.replace(/\s+/g, '');
    expect(flat).to.include('第十二条被申请人支付第12期补偿款');
    expect(flat).to.include('本条无须履行');
    expect(flat).to.include('履行期限：2027年12月15日前');
    expect(flat).not.to.match(/各方当事人；|按本条约定履行|未指派|mediation|undefined/);
    const scheduleHtml = prepareDocument(issueInput(f, 'follow_up_schedule'), 'follow_up_schedule', 1).html;
    const schedule = await print(page, dir, 'multi-party-schedule', scheduleHtml);
    // a visit a week after the first instalment, not a year later; then the 回头看 (table cells wrap in
    // the PDF's text, so the plan is read from the HTML)
    expect(scheduleHtml).to.match(/第一次<\/td><td>2027年1月22日/).and.match(/第十三次（回头看）<\/td><td>2028年1月14日/);
    expectNumbered(schedule, 'multi-party-schedule');
    expect(schedule.overflow).to.deep.equal([]);
  });
});
