// Typed case numbers and access codes (server/engine/case-numbers.ts) and the one check behind the three
// tracking doors (server/cases/track.ts): any of a case's numbers, typed loosely, opens it; wrong codes
// count against the case whichever of its numbers was typed (API.md 2026.3 "Numbers").
import { expect } from 'chai';
import { AccessCodes } from '../../../server/auth/access-codes.ts';
import { createMemoryAccessCodeLimiter } from '../../../server/auth/throttle.ts';
import { findByAnyCaseNo, openWithAccessCode } from '../../../server/cases/track.ts';
import { canonicalAccessCode, canonicalCaseNo, formatCaseNo } from '../../../server/engine/case-numbers.ts';
import type { CaseRecord, Store } from '../../../server/store/port.ts';

describe('case numbers as printed and as typed', () => {
  it('prints the serial as counted unless a width is set', () => {
    expect(formatCaseNo({ year: 2026, shortName: '示范华阳', n: 12, digits: 0 })).to.equal('（2026）示范华阳物调字第12号');
    expect(formatCaseNo({ year: 2026, shortName: '示范华阳', n: 12, digits: 5 })).to.equal('（2026）示范华阳物调字第00012号');
    expect(formatCaseNo({ year: 2026, shortName: '示范', n: 123456, digits: 5 })).to.equal('（2026）示范物调字第123456号');
  });

  it('reads ASCII or full-width brackets, full-width digits and any spacing as the printed number', () => {
    const printed = '（2026）示范华阳物调字第12号';
    for (const typed of [printed, ' (2026)示范华阳物调字第12号 ', '（２０２６） 示范华阳 物调字第１２号', '(2026)\u3000示范华阳物调字第 12 号', '[2026]示范华阳物调字第12号']) {
      expect(canonicalCaseNo(typed), typed).to.equal(printed);
    }
  });

  it('reads an access code in either case, full-width, with spaces or a dash', () => {
    for (const typed of ['abcd efgh', 'ABCD-EFGH', ' ａｂｃｄ ＥＦＧＨ ', 'AbCdEfGh']) expect(canonicalAccessCode(typed), typed).to.equal('ABCDEFGH');
  });
});

describe('opening a case with a number and an access code', () => {
  const record = { id: 'case-1', caseNo: '（2026）示范区物调字第3号', formerCaseNos: ['（2026）示范华阳物调字第12号'], accessCodeHash: '' } as CaseRecord;
  const store = {
    cases: {
      getByNo: async (no: string) => (no === record.caseNo ? record : null),
      getByFormerNo: async (no: string) => (record.formerCaseNos!.includes(no) ? record : null),
    },
  } as unknown as Pick<Store, 'cases'>;
  const accessCodes = new AccessCodes('a-secret-for-the-tracking-tests');
  before(async () => {
    record.accessCodeHash = accessCodes.hash('ABCDEFGH', record.id);
  });

  it('finds the case by its current number or a former one, and nothing by an unknown one', async () => {
    expect(await findByAnyCaseNo(store, '(2026)示范区物调字第３号')).to.equal(record);
    expect(await findByAnyCaseNo(store, '(2026) 示范华阳物调字第12号')).to.equal(record);
    expect(await findByAnyCaseNo(store, '（2026）示范华阳物调字第13号')).to.equal(null);
  });

  it('opens it with the code typed loosely, through a former number', async () => {
    const limiter = createMemoryAccessCodeLimiter();
    const opened = await openWithAccessCode({ store, limiter, accessCodes }, { caseNo: '(2026)示范华阳物调字第12号', accessCode: 'abcd efgh', clientAddress: '10.0.0.1' });
    expect(opened).to.deep.equal({ ok: true, record });
  });

  it('counts wrong codes against the case under its current number, whichever number was typed', async () => {
    const limiter = createMemoryAccessCodeLimiter();
    const typed = ['（2026）示范华阳物调字第12号', '（2026）示范区物调字第3号'];
    // ten wrong codes from one address, alternating between the case's two numbers
    for (let i = 0; i < 10; i++) {
      const r = await openWithAccessCode({ store, limiter, accessCodes }, { caseNo: typed[i % 2], accessCode: `WRONG${i}XX`, clientAddress: '10.0.1.1' });
      expect(r).to.deep.equal({ ok: false, why: 'wrong' });
    }
    for (const caseNo of typed) {
      const r = await openWithAccessCode({ store, limiter, accessCodes }, { caseNo, accessCode: 'ABCDEFGH', clientAddress: '10.0.1.1' });
      expect(r.ok === false && r.why, caseNo).to.equal('limited');
    }
    expect(await limiter.blockedFor([`case-ip:${record.caseNo}|10.0.1.1`])).to.be.greaterThan(0);
    // the resident's right code from their own address still opens the case (issue 15 §2: no lockout by strangers)
    const own = await openWithAccessCode({ store, limiter, accessCodes }, { caseNo: typed[0], accessCode: 'ABCDEFGH', clientAddress: '10.0.2.1' });
    expect(own).to.deep.equal({ ok: true, record });
  });
});
