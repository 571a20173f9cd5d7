import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { EventNotAllowed, ValidationFailed } from '../../../server/engine/errors.ts';
import { issueDocument, verifyDocument } from '../../../server/documents/issue.ts';
import { createSqliteStore } from '../../../server/store/sqlite/index.ts';
import type { Store } from '../../../server/store/port.ts';
import {
  ctxOf,
  declined,
  fullCase,
  issueInput,
  mediatingCase,
  sign,
  withAgreement,
} from './fixture.ts';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('documents: issuing', () => {
  let store: Store;

  beforeEach(async () => {
    store = createSqliteStore({ file: ':memory:' });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
  });

  it('prints a 文书校验码 that the stored HTML proves, and a changed code or text does not', async () => {
    const doc = await issueDocument(store, issueInput(fullCase(), 'agreement'));
    expect(doc.html).to.match(/文书校验码：[0-9A-F]{4}(-[0-9A-F]{4}){3}/);
    expect(verifyDocument(doc)).to.equal(true);
    // a forged code, rehashed so that the SHA-256 alone would pass
    const forgedHtml = doc.html.replace(/文书校验码：[0-9A-F-]{19}/, '文书校验码：0000-0000-0000-0000');
    expect(verifyDocument({ html: forgedHtml, sha256: createHash('sha256').update(forgedHtml, 'utf8').digest('hex') })).to.equal(false);
    const edited = doc.html.replace('第一条', '第壹条');
    expect(verifyDocument({ html: edited, sha256: createHash('sha256').update(edited, 'utf8').digest('hex') })).to.equal(false);
  });

  it('stores the document exactly as issued, with its template version and SHA-256', async () => {
    const f = fullCase();
    const doc = await issueDocument(store, issueInput(f, 'agreement'));
    expect(doc).to.include({ caseId: 'case-1', kind: 'agreement', version: 1, draft: false, issuedBy: 'u-med1' });
    expect(doc.issuedAt).to.equal(f.now);
    expect(doc.sha256).to.equal(createHash('sha256').update(doc.html, 'utf8').digest('hex'));
    expect(doc.templateVersion).to.match(/^agreement@2026\.12-1 \(set [0-9a-f]{12}\)$/);
    const stored = await store.documents.get(doc.id);
    expect(stored).to.deep.equal(doc);
  });

  it('reissuing creates a new version and leaves the old one readable and unchanged', async () => {
    const f = withAgreement(mediatingCase(), { signed: false });
    const v1 = await issueDocument(store, issueInput(f, 'agreement'));
    expect(v1.version).to.equal(1);
    expect(v1.draft).to.equal(true);
    expect(v1.html).to.include('人民调解协议书（草稿）');
    const v1Html = v1.html;
    const v1Sha = v1.sha256;

    // the case moves on: clauses are edited, everybody signs
    ctxOf(f).agreement!.clauses[0].text = '被申请人于2026年12月10日前修复屋面防水层。';
    sign(f, '2026-11-18T15:00:00+08:00');
    const v2 = await issueDocument(store, { ...issueInput(f, 'agreement'), now: '2026-11-23T09:00:00+08:00' });
    expect(v2.version).to.equal(2);
    expect(v2.draft).to.equal(false);
    expect(v2.id).not.to.equal(v1.id);
    expect(v2.sha256).not.to.equal(v1Sha);
    expect(v2.html).to.include('2026年12月10日前修复屋面防水层');

    const old = await store.documents.get(v1.id);
    expect(old!.html).to.equal(v1Html);
    expect(old!.sha256).to.equal(v1Sha);
    expect(old!.draft).to.equal(true);
    expect(verifyDocument(old!)).to.equal(true);
    expect(old!.html).not.to.include('2026年12月10日前修复屋面防水层');

    const all = await store.documents.list('case-1');
    expect(all.map((d) => [d.kind, d.version])).to.deep.equal([
      ['agreement', 1],
      ['agreement', 2],
    ]);
  });

  it('numbers versions per kind', async () => {
    const f = fullCase();
    await issueDocument(store, issueInput(f, 'agreement'));
    const intake = await issueDocument(store, issueInput(f, 'intake_form'));
    const again = await issueDocument(store, issueInput(f, 'agreement'));
    expect(intake.version).to.equal(1);
    expect(again.version).to.equal(2);
  });

  it('gives two documents issued at the same moment different versions', async () => {
    const f = fullCase();
    const [a, b] = await Promise.all([
      issueDocument(store, issueInput(f, 'intake_form')),
      issueDocument(store, issueInput(f, 'intake_form')),
    ]);
    expect([a.version, b.version].sort()).to.deep.equal([1, 2]);
  });

  it('detects a stored document whose HTML was altered', async () => {
    const doc = await issueDocument(store, issueInput(fullCase(), 'intake_form'));
    expect(verifyDocument(doc)).to.equal(true);
    expect(verifyDocument({ ...doc, html: doc.html.replace('张三', '李四') })).to.equal(false);
  });

  it('lists earlier documents with their hashes in the dossier', async () => {
    const f = fullCase();
    const agreement = await issueDocument(store, issueInput(f, 'agreement'));
    const dossier = await issueDocument(store, issueInput(f, 'dossier'));
    expect(dossier.html).to.include(agreement.sha256);
    expect(dossier.html).to.include('已出具文书清单');
  });

  it('stores the court package beside the confirmation application', async () => {
    const f = fullCase();
    const doc = await issueDocument(store, { ...issueInput(f, 'confirmation_application'), now: '2026-11-25T10:00:00+08:00' });
    const stored = await store.documents.get(doc.id);
    const pkg = stored!.data as Record<string, any>;
    expect(pkg.kind).to.equal('confirmation_application');
    expect(pkg.court).to.include({ id: 'court-1' });
    expect(pkg.parties).to.have.length(3);
    expect(pkg.agreement.clauses).to.have.length(3);
    expect(pkg.dossierIndex.length).to.be.greaterThan(3);
  });

  describe('refusals', () => {
    it('refuses a confirmation application with the readiness reasons', async () => {
      const f = withAgreement(mediatingCase(), { signed: false, decidesOwnership: true });
      const err = await rejection(issueDocument(store, issueInput(f, 'confirmation_application')));
      expect(err).to.be.instanceOf(EventNotAllowed);
      const details = (err as EventNotAllowed).details as { missing: Array<{ code: string }> };
      expect(details.missing.map((m) => m.code)).to.deep.equal(['not_signed', 'decides_ownership']);
      expect(err.message).to.include('物权确权');
      expect(await store.documents.list('case-1')).to.deep.equal([]);
    });

    it('refuses a confirmation application after the 30-day window', async () => {
      const f = withAgreement(mediatingCase(), { effectiveAt: '2026-10-01T10:00:00+08:00' });
      const err = await rejection(issueDocument(store, issueInput(f, 'confirmation_application')));
      expect(err).to.be.instanceOf(EventNotAllowed);
      expect(((err as EventNotAllowed).details as { missing: Array<{ code: string }> }).missing[0].code).to.equal(
        'window_expired',
      );
    });

    const notApplicable: Array<[string, string]> = [
      ['agreement', 'no agreement has been drafted'],
      ['non_acceptance_notice', 'not declined'],
      ['termination_notice', 'not terminated'],
      ['court_referral', 'not referred'],
      ['follow_up_schedule', 'no agreement'],
      ['follow_up_record', 'no follow-up'],
    ];
    for (const [kind, why] of notApplicable) {
      it(`refuses ${kind} for a case still in mediation`, async () => {
        const err = await rejection(issueDocument(store, issueInput(mediatingCase(), kind)));
        expect(err).to.be.instanceOf(EventNotAllowed);
        expect(err.message).to.include(why);
      });
    }

    it('issues the notice of non-acceptance for a declined case', async () => {
      const doc = await issueDocument(store, issueInput(declined(mediatingCase()), 'non_acceptance_notice'));
      expect(doc.kind).to.equal('non_acceptance_notice');
    });

    it('refuses an unknown kind as invalid input', async () => {
      const err = await rejection(issueDocument(store, issueInput(fullCase(), 'love_letter')));
      expect(err).to.be.instanceOf(ValidationFailed);
    });
  });
});
