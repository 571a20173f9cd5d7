// The use cases (server/cases/) called directly, as the pages call them, on the real product
// (startServer with listen:false, an embedded store in a temp folder, the demo organisation and the
// test clock): each takes typed arguments and the acting user, and throws the domain errors the
// API maps to statuses.
import { expect } from 'chai';
import { delegateFromCourt, readDelegation } from '../../../server/cases/court.ts';
import { issueCaseDocument, readDocumentKind } from '../../../server/cases/documents.ts';
import { readEvent, sendEvent } from '../../../server/cases/events.ts';
import { readIntake, registerCase } from '../../../server/cases/register.ts';
import { registerBulk } from '../../../server/cases/bulk.ts';
import { caseView } from '../../../server/cases/presenter.ts';
import { claimKey, IdempotencyMismatch } from '../../../server/idempotency.ts';
import { mayDelegateIn, mayRegisterIn } from '../../../server/policy.ts';
import { EventNotAllowed, NotFound, OutOfJurisdiction, STATUS_BY_CODE, ValidationFailed, VersionConflict } from '../../../server/engine/errors.ts';
import type { Services } from '../../../server/services.ts';
import type { UserRecord } from '../../../server/store/port.ts';
import { COMPOUND, intakeBody, startProduct, type Product } from '../../support/http.ts';
import { acceptData } from '../../support/workflow.ts';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('use cases (server/cases)', function () {
  this.timeout(60_000);
  let product: Product;
  let services: Services;
  const users: Record<string, UserRecord> = {};
  const meta = { clientIp: '203.0.113.9' };

  before(async () => {
    product = await startProduct({ signIn: false });
    services = product.running.services;
    for (const name of ['admin', 'med.c1', 'med.c2', 'court.liaison']) users[name] = (await services.store.users.getByUsername(name))!;
  });
  after(() => product.close());

  describe('registerCase', () => {
    it('registers a case in the mediator’s area, routed to a tier, with an access code', async () => {
      const { record, accessCode } = await registerCase(services, users['med.c1'], readIntake(intakeBody(COMPOUND.c1)), meta);
      expect(record.compoundId).to.equal(COMPOUND.c1);
      expect(record.status).to.equal('registered');
      expect(record.caseNo).to.match(/\S/);
      expect(accessCode).to.have.length.of.at.least(6);
      const [first] = await services.engine.history(record.id);
      expect(first.type).to.equal('REGISTER');
      expect(first.actor.id).to.equal(users['med.c1'].id);
      expect(first.clientIp).to.equal(meta.clientIp);
    });

    it('refuses a compound outside the mediator’s area (OUT_OF_JURISDICTION, 422), but not for an administrator', async () => {
      const err = await rejection(registerCase(services, users['med.c1'], readIntake(intakeBody(COMPOUND.c2))));
      expect(err).to.be.instanceOf(OutOfJurisdiction);
      expect((err as OutOfJurisdiction).details).to.deep.include({ field: 'compoundId', compoundId: COMPOUND.c2 });
      expect(STATUS_BY_CODE.OUT_OF_JURISDICTION).to.equal(422);
      const { record } = await registerCase(services, users.admin, readIntake(intakeBody(COMPOUND.c2)));
      expect(record.compoundId).to.equal(COMPOUND.c2);
    });

    it('answers an unknown compound with a validation error on compoundId', async () => {
      const err = await rejection(registerCase(services, users.admin, readIntake(intakeBody('ou-nowhere'))));
      expect(err).to.be.instanceOf(ValidationFailed);
      expect((err as ValidationFailed).details).to.deep.equal([
        { field: 'compoundId', in: 'body', message: '"compoundId" is not a compound of the organisation tree (GET /api/org)' },
      ]);
    });

    it('reads an intake request as the API does, naming every bad field', () => {
      let err: unknown;
      try {
        readIntake({ channel: 'walk_in', parties: [] });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ValidationFailed);
      const fields = ((err as ValidationFailed).details as Array<{ field: string }>).map((p) => p.field);
      expect(fields).to.include.members(['compoundId', 'category', 'summary']);
    });
  });

  describe('sendEvent', () => {
    it('commits an event for a reader of the case and refuses a stale expectedVersion', async () => {
      const { record } = await registerCase(services, users['med.c1'], readIntake(intakeBody(COMPOUND.c1)));
      const accepted = await sendEvent(services, users['med.c1'], record.id, readEvent({ type: 'ACCEPT', data: acceptData() }), meta);
      expect(accepted.status).to.equal('in_mediation');
      expect(accepted.version).to.equal(record.version + 1);
      const stale = await rejection(sendEvent(services, users['med.c1'], record.id, readEvent({ type: 'EXTEND_DEADLINE', data: { days: 5, reason: '当事人出差' }, expectedVersion: record.version })));
      expect(stale).to.be.instanceOf(VersionConflict);
    });

    it('answers a case outside the caller’s jurisdiction as not found', async () => {
      const { record } = await registerCase(services, users['med.c1'], readIntake(intakeBody(COMPOUND.c1)));
      const err = await rejection(sendEvent(services, users['med.c2'], record.id, { type: 'ACCEPT', data: acceptData() }));
      expect(err).to.be.instanceOf(NotFound);
      expect((await services.store.cases.get(record.id))!.version).to.equal(record.version);
    });

    it('refuses to extend a deadline the case does not run', async () => {
      const { record } = await registerCase(services, users['med.c1'], readIntake(intakeBody(COMPOUND.c1)));
      await sendEvent(services, users['med.c1'], record.id, { type: 'ACCEPT', data: acceptData() });
      const err = await rejection(sendEvent(services, users['med.c1'], record.id, readEvent({ type: 'EXTEND_DEADLINE', data: { kind: 'delegation', days: 5, reason: '当事人出差' } })));
      expect(err).to.be.instanceOf(EventNotAllowed);
      expect((err as EventNotAllowed).details).to.deep.include({ reason: 'condition', kind: 'delegation' });
    });
  });

  describe('issueCaseDocument', () => {
    it('issues a document for a readable case and audits it with the client address', async () => {
      const { record } = await registerCase(services, users['med.c1'], readIntake(intakeBody(COMPOUND.c1)));
      const doc = await issueCaseDocument(services, users['med.c1'], record.id, readDocumentKind({ kind: 'intake_form' }).kind, meta);
      expect(doc).to.include({ caseId: record.id, kind: 'intake_form', version: 1 });
      const entry = (await services.store.audit.list(50)).find((a) => a.action === 'document.issued' && (a.detail as { documentId?: string }).documentId === doc.id);
      expect(entry).to.include({ actor: users['med.c1'].id, ip: meta.clientIp });
      expect(await rejection(issueCaseDocument(services, users['med.c2'], record.id, 'intake_form'))).to.be.instanceOf(NotFound);
    });

    it('refuses a kind that does not apply to the case yet', async () => {
      const { record } = await registerCase(services, users['med.c1'], readIntake(intakeBody(COMPOUND.c1)));
      expect(await rejection(issueCaseDocument(services, users['med.c1'], record.id, 'agreement'))).to.be.instanceOf(EventNotAllowed);
      expect(() => readDocumentKind({ kind: 'memo' })).to.throw(ValidationFailed);
    });
  });

  describe('delegateFromCourt', () => {
    it('registers a court-delegated case with the court’s reference and deadline', async () => {
      const body = readDelegation({ ...intakeBody(COMPOUND.c1), channel: undefined, courtRef: '(2026)示0101民诉前调1号', dueAt: '2026-12-20' });
      const { record } = await delegateFromCourt(services, users['court.liaison'], body, meta);
      expect(record.channel).to.equal('court_delegation');
      expect(record.snapshot.context.delegation).to.include({ courtRef: '(2026)示0101民诉前调1号', mode: 'delegated' });
      const view = caseView(services, record, users['court.liaison'], { personalData: true, history: await services.store.events.list(record.id) });
      expect(view.delegation).to.deep.equal(record.snapshot.context.delegation);
    });

    it('refuses a due date in the past', async () => {
      const body = readDelegation({ ...intakeBody(COMPOUND.c1), channel: undefined, courtRef: 'X-1', dueAt: '2026-11-01' });
      const err = await rejection(delegateFromCourt(services, users['court.liaison'], body));
      expect(err).to.be.instanceOf(ValidationFailed);
      expect((err as ValidationFailed).details).to.deep.equal([{ field: 'dueAt', in: 'body', message: '"dueAt" must not be in the past' }]);
    });
  });

  describe('registerBulk', () => {
    it('registers valid rows, skips a repeated source and reports rows outside the area as registerCase would', async () => {
      const source = { system: '12345', ref: `WO-${Date.now()}` };
      const rows = [
        { line: 1, value: intakeBody(COMPOUND.c1, { channel: 'hotline_12345', source }) },
        { line: 2, value: intakeBody(COMPOUND.c1, { channel: 'hotline_12345', source }) },
        { line: 3, value: intakeBody(COMPOUND.c2, { channel: 'hotline_12345', source: { system: '12345', ref: `${source.ref}-b` } }) },
        { line: 4, value: { channel: 'hotline_12345' } },
      ];
      const report = await registerBulk(services, users['med.c1'], rows, meta);
      expect(report.summary).to.deep.equal({ rows: 4, created: 1, duplicates: 1, errors: 2 });
      expect(report.created[0].row).to.equal(1);
      expect(report.duplicates[0]).to.include({ row: 2, caseId: report.created[0].id });
      const outside = report.errors.find((e) => e.row === 3)!;
      expect(outside.errors).to.have.length(1);
      expect(outside.errors[0]).to.include({ field: 'compoundId', code: 'OUT_OF_JURISDICTION' });
      expect(outside.errors[0].message).to.match(/outside the area your mediation body serves$/);
      expect(report.errors.find((e) => e.row === 4)!.errors.map((e) => e.field)).to.include('compoundId');
    });
  });

  describe('the jurisdiction rules of intake (policy.ts)', () => {
    it('lets a mediator register in their body’s area and below, an administrator anywhere', () => {
      const chain = services.directory.compoundChain(COMPOUND.c1)!;
      const org = services.directory;
      expect(mayRegisterIn(users['med.c1'], chain.bodies, org)).to.equal(true);
      expect(mayRegisterIn(users['med.c2'], chain.bodies, org)).to.equal(false);
      expect(mayRegisterIn({ ...users['med.c1'], bodyId: null }, chain.bodies, org)).to.equal(false);
      expect(mayRegisterIn(users.admin, chain.bodies, org)).to.equal(true);
    });

    it('lets a court liaison delegate only in their own court’s district', () => {
      const chain = services.directory.compoundChain(COMPOUND.c1)!;
      expect(mayDelegateIn(users['court.liaison'], chain.bodies)).to.equal(true);
      expect(mayDelegateIn(users['court.liaison'], { ...chain.bodies, court: 'another-court' })).to.equal(false);
      expect(mayDelegateIn(users.admin, { ...chain.bodies, court: 'another-court' })).to.equal(true);
    });
  });

  describe('claimKey (the one idempotency implementation)', () => {
    it('replays what was kept, refuses the key for a different request, and makes a retry wait for the first', async () => {
      const key = `test:${Date.now()}`;
      const first = await claimKey(services.store, key, 'h1');
      expect(first.replay).to.equal(null);
      let secondClaimed = false;
      const second = claimKey(services.store, key, 'h1').then((c) => {
        secondClaimed = true;
        return c;
      });
      await first.keep(201, { caseId: 'c-1' });
      expect(secondClaimed).to.equal(false); // still waiting for the first to be released
      first.release();
      const replayed = await second;
      expect(replayed.replay).to.include({ status: 201, requestHash: 'h1' });
      expect(replayed.replay!.body).to.deep.equal({ caseId: 'c-1' });
      replayed.release();
      expect(await rejection(claimKey(services.store, key, 'h2'))).to.be.instanceOf(IdempotencyMismatch);
      const again = await claimKey(services.store, key, 'h1'); // a refused claim let the key go
      expect(again.replay).to.not.equal(null);
      again.release();
    });
  });
});
