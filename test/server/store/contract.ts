// The storage contract: what every adapter of server/store/port.ts must do. Run it with
//   storeContract('my adapter', async () => createMyStore(...))
// `makeStore` returns a fresh, EMPTY store that is not yet initialised; the contract calls init()
// before each test and close() after it.
import { expect } from 'chai';
import { DomainError, Duplicate, VersionConflict } from '../../../server/engine/errors.ts';
import { ledgerTemplate } from '../../../server/oversight/ledger-format.ts';
import type { CaseFilter, CaseRecord, Commit, OversightFacts, OversightGroup, Store } from '../../../server/store/port.ts';
import { FactsIndex } from '../../../server/oversight/memory.ts';
import {
  T0,
  at,
  intake,
  makeCase,
  makeEvent,
  makeOutbox,
  makeSession,
  makeTimer,
  makeUser,
  next,
} from '../../support/records.ts';

export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, function () {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });
    afterEach(async () => {
      await store?.close();
    });

    const create = (over: Partial<CaseRecord> = {}, extra: Partial<Commit> = {}) =>
      store.cases.commit(intake(makeCase(over), extra));
    const advance = (prev: CaseRecord, change: Partial<CaseRecord> = {}, extra: Parameters<typeof next>[2] = {}) =>
      store.cases.commit(next(prev, change, extra));

    async function rejection(p: Promise<unknown>): Promise<Error> {
      try {
        await p;
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a rejection');
    }

    /** Everything a commit of this case could have written. */
    async function written(caseId: string) {
      return {
        record: await store.cases.get(caseId),
        events: await store.events.list(caseId),
        timers: await store.timers.forCase(caseId),
        outboxPending: await store.outbox.pendingCount(),
        cases: await store.cases.count(),
      };
    }

    const isTimerGone = (e: Error) =>
      e instanceof VersionConflict || (e instanceof DomainError && e.code === 'TIMER_GONE');

    describe('cases: create and read', () => {
      it('creates a case and reads it back by id and by number', async () => {
        const rec = makeCase({ summary: '楼上漏水导致天花板受损' });
        const c = intake(rec);
        const out = await store.cases.commit(c);
        expect(out).to.deep.equal(c.record);
        expect(await store.cases.get(rec.id)).to.deep.equal(c.record);
        expect(await store.cases.getByNo(rec.caseNo)).to.deep.equal(c.record);
        expect(await store.events.list(rec.id)).to.deep.equal([c.event]);
        expect(await store.cases.count()).to.equal(1);
      });

      it('returns null / empty for what does not exist', async () => {
        expect(await store.cases.get('nope')).to.equal(null);
        expect(await store.cases.getByNo('nope')).to.equal(null);
        expect(await store.events.list('nope')).to.deep.equal([]);
        expect(await store.timers.forCase('nope')).to.deep.equal([]);
        expect(await store.cases.count()).to.equal(0);
        expect(await store.cases.list({ page: 1, limit: 10 })).to.deep.equal({ items: [], total: 0 });
      });

      it('refuses to create a case whose id exists (VersionConflict), writing nothing', async () => {
        const first = await create({ id: 'case-dup' });
        const before = await written('case-dup');
        const again = intake(makeCase({ id: 'case-dup', caseNo: 'other-no' }));
        const err = await rejection(store.cases.commit(again));
        expect(err).to.be.instanceOf(VersionConflict);
        expect((err as VersionConflict).details).to.deep.include({ expectedVersion: 0, currentVersion: 1 });
        expect(await written('case-dup')).to.deep.equal(before);
        expect(await store.cases.get('case-dup')).to.deep.equal(first);
      });

      it('refuses a second case with the same case number (Duplicate), writing nothing', async () => {
        const first = await create({ caseNo: 'NO-1' });
        const err = await rejection(create({ caseNo: 'NO-1', id: 'case-other' }));
        expect(err).to.be.instanceOf(Duplicate);
        expect(await store.cases.get('case-other')).to.equal(null);
        expect(await store.events.list('case-other')).to.deep.equal([]);
        expect(await store.outbox.pendingCount()).to.equal(1);
        expect(await store.cases.getByNo('NO-1')).to.deep.equal(first);
      });

      it('finds a case by a former number after it changed number, and by its new one (原编号, issue 12 §6)', async () => {
        const first = await create({ caseNo: 'C-1', docketBodyId: 'body-c1' });
        await create({ caseNo: 'C-2', id: 'case-bystander' });
        expect(await store.cases.getByFormerNo('C-1')).to.equal(null); // a current number is not a former one
        const renumbered = await advance(first, { caseNo: 'D-1', formerCaseNos: ['C-1'], docketBodyId: 'body-d1' });
        expect(await store.cases.getByNo('D-1')).to.deep.equal(renumbered);
        expect(await store.cases.getByNo('C-1')).to.equal(null);
        expect(await store.cases.getByFormerNo('C-1')).to.deep.equal(renumbered);
        // later commits carry the list again: still one case behind each former number
        const again = await advance(renumbered, { caseNo: 'E-1', formerCaseNos: ['C-1', 'D-1'] });
        expect(await store.cases.getByFormerNo('C-1')).to.deep.equal(again);
        expect(await store.cases.getByFormerNo('D-1')).to.deep.equal(again);
        expect(await store.cases.getByFormerNo('C-2')).to.equal(null);
        expect(await store.cases.getByFormerNo('nope')).to.equal(null);
      });

      it('scans every case in id order, a page at a time', async () => {
        for (const id of ['c-3', 'c-1', 'c-5', 'c-2', 'c-4']) await create({ id });
        const page1 = await store.cases.scan(null, 2);
        const page2 = await store.cases.scan(page1.at(-1)!.id, 2);
        const page3 = await store.cases.scan(page2.at(-1)!.id, 2);
        expect([...page1, ...page2, ...page3].map((r) => r.id)).to.deep.equal(['c-1', 'c-2', 'c-3', 'c-4', 'c-5']);
        expect(await store.cases.scan('c-5', 2)).to.deep.equal([]);
        expect(await store.cases.count()).to.equal(5);
      });
    });

    describe('commit: optimistic concurrency', () => {
      it('rejects a stale expectedVersion with VersionConflict and writes nothing', async () => {
        const v1 = await create();
        await store.cases.commit(
          next(v1, {}, { armTimers: [makeTimer(v1.id, 'acceptance', at(60))] }),
        );
        const before = await written(v1.id);
        const stale = next(v1, { status: 'closed' }, {
          armTimers: [makeTimer(v1.id, 'mediation', at(120))],
          cancelTimerKinds: ['acceptance'],
        });
        const err = await rejection(store.cases.commit(stale));
        expect(err).to.be.instanceOf(VersionConflict);
        expect((err as VersionConflict).code).to.equal('VERSION_CONFLICT');
        expect((err as VersionConflict).details).to.deep.include({ expectedVersion: 1, currentVersion: 2 });
        expect(await written(v1.id)).to.deep.equal(before);
      });

      it('rejects an update of a case that does not exist', async () => {
        const ghost = next(makeCase({ id: 'ghost', version: 3 }));
        const err = await rejection(store.cases.commit(ghost));
        expect(err).to.be.instanceOf(VersionConflict);
        expect(await written('ghost')).to.deep.include({ record: null, events: [], outboxPending: 0, cases: 0 });
      });

      it('lets exactly one of many concurrent commits from the same version win', async () => {
        const v1 = await create();
        const attempts = Array.from({ length: 12 }, (_, i) => next(v1, { summary: `attempt ${i}` }));
        const results = await Promise.allSettled(attempts.map((c) => store.cases.commit(c)));
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).to.have.length(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).to.be.instanceOf(VersionConflict);
        const events = await store.events.list(v1.id);
        expect(events.map((e) => e.seq)).to.deep.equal([1, 2]);
        expect(await store.cases.get(v1.id)).to.deep.equal((won[0] as PromiseFulfilledResult<CaseRecord>).value);
        expect(await store.outbox.pendingCount()).to.equal(2);
      });

      it('rejects a commit whose event does not follow the record version, writing nothing', async () => {
        const v1 = await create();
        const before = await written(v1.id);
        const bad = next(v1);
        bad.event = makeEvent(v1.id, 5); // a gap
        await rejection(store.cases.commit(bad));
        expect(await written(v1.id)).to.deep.equal(before);
      });
    });

    describe('commitMany: group commit', () => {
      it('commits the good commits of a batch and rolls back each failing one alone', async () => {
        const a1 = await create({ id: 'a' });
        const b1 = await create({ id: 'b' });
        const c1 = await create({ id: 'c' });
        const d1 = await create({ id: 'd' });
        const e1 = await create({ id: 'e' });
        const b2 = await advance(b1); // makes b's version 2, so a commit from b1 is stale
        const before = { b: await written('b'), d: await written('d'), e: await written('e') };
        const pendingBefore = await store.outbox.pendingCount();

        const goodA = next(a1, { status: 'in_mediation' }, { armTimers: [makeTimer('a', 'mediation', at(600))] });
        const staleB = next(b1, { status: 'closed' }, { armTimers: [makeTimer('b', 'mediation', at(600))] });
        const goodC = next(c1, { status: 'in_mediation' });
        // fails at its very end: the outbox id is taken (by c's intake), after record, event and timers
        const dupOutboxD = next(d1, { status: 'closed' }, {
          armTimers: [makeTimer('d', 'mediation', at(600))],
          outbox: [makeOutbox('d', 2), makeOutbox('c', 1)],
        });
        // fails midway: the timer it claims to have fired does not exist
        const goneTimerE = next(e1, { status: 'closed' }, {
          firedTimerId: 'no-such-timer',
          armTimers: [makeTimer('e', 'mediation', at(600))],
        });
        const goodA3 = next(goodA.record, { summary: 'second change in the same batch' });

        const results = await store.cases.commitMany([goodA, staleB, goodC, dupOutboxD, goneTimerE, goodA3]);
        expect(results).to.have.length(6);
        expect(results[0]).to.deep.equal(goodA.record);
        expect(results[1]).to.be.instanceOf(VersionConflict);
        expect(results[2]).to.deep.equal(goodC.record);
        expect(results[3]).to.be.instanceOf(Error);
        expect(results[4]).to.be.instanceOf(Error);
        expect(isTimerGone(results[4] as Error)).to.equal(true);
        expect(results[5]).to.deep.equal(goodA3.record);

        expect(await store.cases.get('a')).to.deep.equal(goodA3.record);
        expect((await store.events.list('a')).map((e) => e.seq)).to.deep.equal([1, 2, 3]);
        expect(await store.timers.forCase('a')).to.have.length(1);
        expect(await store.cases.get('c')).to.deep.equal(goodC.record);
        expect(await written('b')).to.deep.equal({ ...before.b, outboxPending: pendingBefore + 3 });
        expect(await written('d')).to.deep.equal({ ...before.d, outboxPending: pendingBefore + 3 });
        expect(await written('e')).to.deep.equal({ ...before.e, outboxPending: pendingBefore + 3 });
        expect(await store.cases.get('b')).to.deep.equal(b2);
      });

      it('returns [] for an empty batch', async () => {
        expect(await store.cases.commitMany([])).to.deep.equal([]);
      });
    });

    describe('events', () => {
      it('keeps seqs gap-free from 1, the record at the last seq, and pages by afterSeq / limit', async () => {
        let rec = await create();
        let other = await create();
        for (let i = 0; i < 12; i++) rec = await advance(rec);
        // and some through batches, interleaved with another case
        for (let i = 0; i < 4; i++) {
          const c1 = next(rec);
          const c2 = next(c1.record);
          const results = await store.cases.commitMany([c1, next(other, { summary: `o${i}` }), c2]);
          expect(results.every((r) => !(r instanceof Error))).to.equal(true);
          rec = c2.record;
          other = results[1] as CaseRecord;
        }
        const events = await store.events.list(rec.id);
        expect(events.map((e) => e.seq)).to.deep.equal(Array.from({ length: 21 }, (_, i) => i + 1));
        expect(events.every((e) => e.caseId === rec.id)).to.equal(true);
        expect(events.slice(1).every((e, i) => e.prevHash === events[i].hash)).to.equal(true);
        expect((await store.cases.get(rec.id))!.version).to.equal(21);

        expect((await store.events.list(rec.id, 10, 5)).map((e) => e.seq)).to.deep.equal([11, 12, 13, 14, 15]);
        expect((await store.events.list(rec.id, 19)).map((e) => e.seq)).to.deep.equal([20, 21]);
        expect((await store.events.list(rec.id, 0, 3)).map((e) => e.seq)).to.deep.equal([1, 2, 3]);
        expect(await store.events.list(rec.id, 21)).to.deep.equal([]);
        expect((await store.events.list(other.id)).map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5]);
      });
    });

    describe('cases.list', () => {
      // updatedAt values mix offsets on purpose: x (10:00+08:00 = 02:00Z) is EARLIER than
      // y (03:00Z) though it sorts later as text
      const seed: Array<Partial<CaseRecord>> = [
        { id: 'k-a', bodyId: 'b1', status: 'in_mediation', category: 'leakage', compoundId: 'cmp-1', warning: 'yellow', experts: ['e1'], summary: '楼上漏水', searchText: 'k-a 楼上漏水 王某', updatedAt: at(10) },
        { id: 'k-b', bodyId: 'b1', status: 'registered', category: 'parking', compoundId: 'cmp-2', summary: '停车位', searchText: 'gj-2026-002 停车位 100%满意', updatedAt: '2026-03-02T12:00:00+08:00' },
        { id: 'k-c', bodyId: 'b2', status: 'in_mediation', category: 'leakage', courtId: 'court-1', courtInbox: true, searchText: 'k-c 管道', updatedAt: '2026-03-02T10:00:00+08:00' },
        { id: 'k-d', bodyId: 'b2', status: 'registered', courtId: 'court-1', courtInbox: false, searchText: 'k-d 噪音', updatedAt: '2026-03-02T03:00:00Z' },
        { id: 'k-e', bodyId: 'b3', status: 'referred_to_court', tier: 'court', courtId: 'court-2', courtInbox: true, searchText: 'k-e abc', updatedAt: at(-60) },
        { id: 'k-f', bodyId: 'b3', tier: 'subdistrict', overdue: true, warning: 'red', experts: ['e1', 'e2'], searchText: 'k-f 电梯', updatedAt: at(-30) },
        { id: 'k-g', bodyId: 'b1', status: 'closed', category: 'leakage', searchText: 'k-g 卫生间漏水已修复', updatedAt: at(10) },
        { id: 'k-h', bodyId: 'b4', searchText: 'k-h a_b 物业', updatedAt: at(-120) },
      ];
      const byOrder = (rs: Array<Partial<CaseRecord>>) =>
        [...rs]
          .sort((x, y) => Date.parse(y.updatedAt!) - Date.parse(x.updatedAt!) || (x.id! < y.id! ? -1 : 1))
          .map((r) => r.id);
      const all = byOrder(seed);
      const where = (pred: (r: Partial<CaseRecord>) => boolean) => byOrder(seed.filter(pred));
      const list = async (f: Partial<CaseFilter>) => {
        const r = await store.cases.list({ page: 1, limit: 100, ...f });
        return r.items.map((x) => x.id);
      };

      beforeEach(async () => {
        for (const s of seed) await create({ createdAt: s.updatedAt, ...s });
      });

      it('orders by updatedAt (as times, whatever the offset) descending, then id', async () => {
        expect(all.indexOf('k-d')).to.be.lessThan(all.indexOf('k-c'));
        expect(all.indexOf('k-a')).to.be.lessThan(all.indexOf('k-g'));
        const r = await store.cases.list({ page: 1, limit: 100 });
        expect(r.items.map((x) => x.id)).to.deep.equal(all);
        expect(r.total).to.equal(8);
      });

      it('restricts by jurisdiction: bodies OR the court inbox OR the invited expert', async () => {
        expect(await list({ bodyIds: ['b1'] })).to.deep.equal(where((r) => r.bodyId === 'b1'));
        expect(await list({ bodyIds: ['b1', 'b4'] })).to.deep.equal(where((r) => ['b1', 'b4'].includes(r.bodyId!)));
        expect(await list({ courtId: 'court-1' })).to.deep.equal(['k-c']);
        expect(await list({ expertId: 'e1' })).to.deep.equal(where((r) => ['k-a', 'k-f'].includes(r.id!)));
        expect(await list({ bodyIds: ['b2'], courtId: 'court-2', expertId: 'e2' })).to.deep.equal(
          where((r) => ['k-c', 'k-d', 'k-e', 'k-f'].includes(r.id!)),
        );
        expect(await list({ bodyIds: [], courtId: 'court-1' })).to.deep.equal(['k-c']);
        expect(await list({ expertId: 'nobody' })).to.deep.equal([]);
      });

      it('returns nothing for an empty jurisdiction or an empty id list', async () => {
        expect(await store.cases.list({ bodyIds: [], page: 1, limit: 10 })).to.deep.equal({ items: [], total: 0 });
        expect(await store.cases.list({ ids: [], page: 1, limit: 10 })).to.deep.equal({ items: [], total: 0 });
      });

      it('ANDs the field filters, with each other and with the jurisdiction', async () => {
        expect(await list({ status: 'in_mediation' })).to.deep.equal(where((r) => r.status === 'in_mediation'));
        expect(await list({ tier: 'subdistrict' })).to.deep.equal(['k-f']);
        expect(await list({ category: 'leakage' })).to.deep.equal(where((r) => r.category === 'leakage'));
        expect(await list({ compoundId: 'cmp-2' })).to.deep.equal(['k-b']);
        expect(await list({ overdue: true })).to.deep.equal(['k-f']);
        expect(await list({ overdue: false })).to.deep.equal(all.filter((id) => id !== 'k-f'));
        expect(await list({ warning: 'yellow' })).to.deep.equal(['k-a']);
        expect(await list({ ids: ['k-f', 'k-a', 'missing'] })).to.deep.equal(where((r) => ['k-a', 'k-f'].includes(r.id!)));
        expect(await list({ bodyIds: ['b1'], status: 'in_mediation' })).to.deep.equal(['k-a']);
        expect(await list({ bodyIds: ['b1', 'b2'], category: 'leakage', status: 'in_mediation' })).to.deep.equal(
          where((r) => ['k-a', 'k-c'].includes(r.id!)),
        );
        expect(await list({ expertId: 'e1', courtId: 'court-1', warning: 'red' })).to.deep.equal(['k-f']);
      });

      it('searches q as a case-insensitive literal substring, Chinese included', async () => {
        expect(await list({ q: '漏水' })).to.deep.equal(where((r) => ['k-a', 'k-g'].includes(r.id!)));
        expect(await list({ q: '楼上漏水' })).to.deep.equal(['k-a']);
        expect(await list({ q: 'GJ-2026' })).to.deep.equal(['k-b']);
        expect(await list({ q: '100%' })).to.deep.equal(['k-b']);
        expect(await list({ q: '%' })).to.deep.equal(['k-b']);
        expect(await list({ q: 'a_b' })).to.deep.equal(['k-h']);
        expect(await list({ q: '_' })).to.deep.equal(['k-h']);
        expect(await list({ q: '不存在' })).to.deep.equal([]);
        expect(await list({ q: '' })).to.deep.equal(all);
        expect(await list({ q: '漏水', bodyIds: ['b1'], status: 'closed' })).to.deep.equal(['k-g']);
      });

      it('pages, with the total counted before paging', async () => {
        const pages = [];
        for (let page = 1; page <= 3; page++) {
          const r = await store.cases.list({ page, limit: 3 });
          expect(r.total).to.equal(8);
          pages.push(...r.items.map((x) => x.id));
        }
        expect(pages).to.deep.equal(all);
        expect(await store.cases.list({ page: 4, limit: 3 })).to.deep.equal({ items: [], total: 8 });
        const filtered = await store.cases.list({ bodyIds: ['b1'], page: 2, limit: 2 });
        expect(filtered.total).to.equal(3);
        expect(filtered.items.map((x) => x.id)).to.deep.equal(where((r) => r.bodyId === 'b1').slice(2));
      });

      it('lists the current record, not the one at creation', async () => {
        const b = (await store.cases.get('k-b'))!;
        await advance(b, { status: 'in_mediation', searchText: 'gj-2026-002 已受理', updatedAt: at(24 * 60) });
        expect((await list({}))[0]).to.equal('k-b');
        expect(await list({ status: 'registered' })).to.not.include('k-b');
        expect(await list({ q: '100%' })).to.deep.equal([]);
        expect(await list({ q: '已受理' })).to.deep.equal(['k-b']);
      });

      it('follows the experts of the current record', async () => {
        const a = (await store.cases.get('k-a'))!;
        await advance(a, { experts: ['e3'] });
        expect(await list({ expertId: 'e1' })).to.deep.equal(['k-f']);
        expect(await list({ expertId: 'e3' })).to.deep.equal(['k-a']);
      });
    });

    describe('timers', () => {
      const now = '2026-03-02T01:00:00.000Z';
      const plus = (ms: number) => new Date(Date.parse(now) + ms).toISOString();

      it('claims only due, pending timers, comparing times across offsets, in due order', async () => {
        const c1 = await create();
        // 08:30+08:00 = 00:30Z: due, though as text it sorts after `now`
        const past = makeTimer(c1.id, 'acceptance', '2026-03-02T08:30:00+08:00', { level: 'red' });
        const exact = makeTimer(c1.id, 'mediation', now, { level: 'blue' });
        // 20:30-05:00 the day before = 01:30Z: not due, though as text it sorts before `now`
        const future = makeTimer(c1.id, 'mediation', '2026-03-01T20:30:00-05:00', { level: 'yellow' });
        const cancelled = makeTimer(c1.id, 'follow_up', at(-600));
        await advance(c1, {}, { armTimers: [future, exact, past, cancelled] });
        await store.timers.cancel(cancelled.id);

        const got = await store.timers.claimDue(now, 10, 'A', 60_000);
        expect(got.map((t) => t.id)).to.deep.equal([past.id, exact.id]);
        for (const t of got) {
          expect(t).to.deep.include({ state: 'pending', leaseOwner: 'A', caseId: c1.id, firedAt: null });
          expect(Date.parse(t.leaseUntil!)).to.equal(Date.parse(now) + 60_000);
        }
        expect(got[0]).to.deep.include({ kind: 'acceptance', level: 'red', dueAt: past.dueAt, deadlineDueAt: past.deadlineDueAt });

        const states = Object.fromEntries((await store.timers.forCase(c1.id)).map((t) => [t.id, t.state]));
        expect(states).to.deep.equal({ [past.id]: 'pending', [exact.id]: 'pending', [future.id]: 'pending', [cancelled.id]: 'cancelled' });
      });

      it('respects the limit, earliest first', async () => {
        const c1 = await create();
        const ts = [30, 10, 20].map((m) => makeTimer(c1.id, 'mediation', at(-m)));
        await advance(c1, {}, { armTimers: ts });
        const first = await store.timers.claimDue(now, 1, 'A', 60_000);
        expect(first.map((t) => t.id)).to.deep.equal([ts[0].id]);
        const rest = await store.timers.claimDue(now, 5, 'B', 60_000);
        expect(rest.map((t) => t.id)).to.deep.equal([ts[2].id, ts[1].id]);
      });

      it('blocks a second owner while the lease holds, and frees the timer when it expires', async () => {
        const c1 = await create();
        const t = makeTimer(c1.id, 'acceptance', at(-5));
        await advance(c1, {}, { armTimers: [t] });
        expect(await store.timers.claimDue(now, 10, 'A', 60_000)).to.have.length(1);
        expect(await store.timers.claimDue(plus(30_000), 10, 'B', 60_000)).to.deep.equal([]);
        expect(await store.timers.claimDue(plus(60_000), 10, 'B', 60_000)).to.deep.equal([]);
        const stolen = await store.timers.claimDue(plus(60_001), 10, 'B', 60_000);
        expect(stolen.map((x) => [x.id, x.leaseOwner])).to.deep.equal([[t.id, 'B']]);
      });

      it('release gives the lease back, but only by its owner', async () => {
        const c1 = await create();
        const t = makeTimer(c1.id, 'acceptance', at(-5));
        await advance(c1, {}, { armTimers: [t] });
        await store.timers.claimDue(now, 10, 'A', 60_000);
        await store.timers.release(t.id, 'B');
        expect(await store.timers.claimDue(now, 10, 'B', 60_000)).to.deep.equal([]);
        await store.timers.release(t.id, 'A');
        const [back] = await store.timers.forCase(c1.id);
        expect(back).to.deep.include({ state: 'pending', leaseOwner: null, leaseUntil: null });
        expect((await store.timers.claimDue(now, 10, 'B', 60_000)).map((x) => x.id)).to.deep.equal([t.id]);
      });

      it('cancel makes a timer unclaimable', async () => {
        const c1 = await create();
        const t = makeTimer(c1.id, 'acceptance', at(-5));
        await advance(c1, {}, { armTimers: [t] });
        await store.timers.cancel(t.id);
        expect(await store.timers.claimDue(now, 10, 'A', 60_000)).to.deep.equal([]);
        expect((await store.timers.forCase(c1.id))[0].state).to.equal('cancelled');
      });

      it('cancelTimerKinds cancels the pending timers of those kinds for that case only', async () => {
        const c1 = await create();
        const c2 = await create();
        const acc = makeTimer(c1.id, 'acceptance', at(60));
        const med = makeTimer(c1.id, 'mediation', at(60));
        const fired = makeTimer(c1.id, 'acceptance', at(-60));
        const otherCase = makeTimer(c2.id, 'acceptance', at(60));
        let v = await advance(c1, {}, { armTimers: [acc, med, fired] });
        await advance(c2, {}, { armTimers: [otherCase] });
        v = await advance(v, {}, { firedTimerId: fired.id, type: 'DEADLINE_EXPIRED' });

        const rearmed = makeTimer(c1.id, 'acceptance', at(120));
        await advance(v, {}, { cancelTimerKinds: ['acceptance', 'follow_up'], armTimers: [rearmed] });
        const states = Object.fromEntries((await store.timers.forCase(c1.id)).map((t) => [t.id, t.state]));
        expect(states).to.deep.equal({
          [acc.id]: 'cancelled',
          [med.id]: 'pending',
          [fired.id]: 'fired',
          [rearmed.id]: 'pending',
        });
        expect((await store.timers.forCase(c2.id))[0].state).to.equal('pending');
      });

      it('firedTimerId marks the timer fired at the event time, once', async () => {
        const c1 = await create();
        const t = makeTimer(c1.id, 'acceptance', at(-5));
        let v = await advance(c1, {}, { armTimers: [t] });
        const [claimed] = await store.timers.claimDue(now, 10, 'A', 60_000);
        expect(claimed.id).to.equal(t.id);
        const eventAt = '2026-03-02T09:00:05+08:00';
        // the same event cancels the kind: the fired timer stays fired
        v = await advance(v, { warning: 'red', overdue: true }, {
          firedTimerId: t.id,
          cancelTimerKinds: ['acceptance'],
          eventAt,
          type: 'DEADLINE_EXPIRED',
        });
        const [after] = await store.timers.forCase(c1.id);
        expect(after).to.deep.include({ state: 'fired', firedAt: eventAt, leaseOwner: null });
        expect(await store.timers.claimDue(plus(3_600_000), 10, 'B', 60_000)).to.deep.equal([]);

        const before = await written(c1.id);
        const twice = await rejection(advance(v, {}, { firedTimerId: t.id, type: 'DEADLINE_EXPIRED' }));
        expect(isTimerGone(twice)).to.equal(true);
        expect(await written(c1.id)).to.deep.equal(before);
      });

      it('refuses to fire a cancelled timer or another case\'s timer', async () => {
        const c1 = await create();
        const c2 = await create();
        const t1 = makeTimer(c1.id, 'acceptance', at(-5));
        const t2 = makeTimer(c2.id, 'acceptance', at(-5));
        const v1 = await advance(c1, {}, { armTimers: [t1] });
        await advance(c2, {}, { armTimers: [t2] });
        await store.timers.cancel(t1.id);
        const before = await written(c1.id);
        expect(isTimerGone(await rejection(advance(v1, {}, { firedTimerId: t1.id })))).to.equal(true);
        expect(isTimerGone(await rejection(advance(v1, {}, { firedTimerId: t2.id })))).to.equal(true);
        expect(await written(c1.id)).to.deep.equal(before);
        expect((await store.timers.forCase(c2.id))[0].state).to.equal('pending');
      });

      it('nextDueAt gives the earliest pending due time, or null', async () => {
        expect(await store.timers.nextDueAt()).to.equal(null);
        const c1 = await create();
        const early = makeTimer(c1.id, 'acceptance', '2026-03-05T08:00:00+08:00');
        const late = makeTimer(c1.id, 'mediation', '2026-03-05T01:00:00Z');
        const gone = makeTimer(c1.id, 'follow_up', '2026-03-01T00:00:00Z');
        await advance(c1, {}, { armTimers: [late, early, gone] });
        await store.timers.cancel(gone.id);
        expect(Date.parse((await store.timers.nextDueAt())!)).to.equal(Date.parse(early.dueAt));
        await store.timers.cancel(early.id);
        await store.timers.cancel(late.id);
        expect(await store.timers.nextDueAt()).to.equal(null);
      });
    });

    describe('outbox', () => {
      async function fill(): Promise<string[]> {
        const a = await create();
        const b = await create();
        await advance(a);
        await advance(b);
        await store.cases.commit(next((await store.cases.get(a.id))!, {}, { outbox: [makeOutbox(a.id, 3), makeOutbox(a.id, 3, 'inbox:updated')] }));
        return [`${a.id}:1`, `${b.id}:1`, `${a.id}:2`, `${b.id}:2`, `${a.id}:3`, `${a.id}:3`].map((p, i) =>
          i === 5 ? `${p}:inbox:updated` : `${p}:case:updated`,
        );
      }

      it('is written with the commit and claimed in commit order', async () => {
        const ids = await fill();
        expect(await store.outbox.pendingCount()).to.equal(6);
        const first = await store.outbox.claim(T0, 2, 'A', 60_000);
        expect(first.map((o) => o.id)).to.deep.equal(ids.slice(0, 2));
        const [e] = first;
        const [caseId] = ids[0].split(':');
        expect(e).to.deep.equal({ ...makeOutbox(caseId, 1), id: ids[0] });
        const rest = await store.outbox.claim(T0, 10, 'B', 60_000);
        expect(rest.map((o) => o.id)).to.deep.equal(ids.slice(2));
        expect(rest[3].topic).to.equal('inbox:updated');
        expect(await store.outbox.claim(at(0.5), 10, 'C', 60_000)).to.deep.equal([]); // the leases run to T0 + 60 s
        expect(await store.outbox.pendingCount()).to.equal(6); // claimed is not done
      });

      it('markDone removes entries for good; an expired lease frees the others', async () => {
        const ids = await fill();
        const claimed = await store.outbox.claim(T0, 3, 'A', 60_000);
        await store.outbox.markDone(claimed.slice(0, 2).map((o) => o.id));
        await store.outbox.markDone([]);
        await store.outbox.markDone(['no-such-entry']);
        expect(await store.outbox.pendingCount()).to.equal(4);
        // while A's lease (to T0 + 60 s) holds, B gets only what nobody claimed
        const unclaimed = await store.outbox.claim(at(0.5), 10, 'B', 600_000);
        expect(unclaimed.map((o) => o.id)).to.deep.equal(ids.slice(3));
        // once it has run out, the entry A did not finish is free again
        const again = await store.outbox.claim(at(2), 10, 'C', 60_000);
        expect(again.map((o) => o.id)).to.deep.equal([ids[2]]);
        await store.outbox.markDone([...unclaimed, ...again].map((o) => o.id));
        expect(await store.outbox.pendingCount()).to.equal(0);
        expect(await store.outbox.claim(at(10), 10, 'C', 1)).to.deep.equal([]); // done is done, whatever the time
      });

      it('keeps the webhook lane apart, in order per (topic, case), with deferral and idempotent enqueue', async () => {
        const a = await create();
        const b = await create();
        await store.cases.commit(next((await store.cases.get(a.id))!, {}, { outbox: [makeOutbox(a.id, 2), makeOutbox(a.id, 2, 'webhook:source')] }));
        // the live lane never sees webhook entries, and the webhook lane never sees live ones
        expect((await store.outbox.claim(T0, 10, 'L', 60_000)).map((o) => o.topic)).to.not.include('webhook:source');
        expect(await store.outbox.pendingCount('webhook')).to.equal(1);
        const w = (t: string, caseId: string, seq: number) => ({ ...makeOutbox(caseId, seq, t), id: `${t}/${caseId}/${seq}` });
        const entries = [w('webhook:s1', a.id, 1), w('webhook:s1', a.id, 2), w('webhook:s1', b.id, 1), w('webhook:s2', a.id, 1)];
        await store.outbox.enqueue(entries);
        await store.outbox.enqueue([entries[0], entries[1]]); // a repeated fan-out adds nothing
        expect(await store.outbox.pendingCount('webhook')).to.equal(5);
        // one entry per (topic, case) at a time: a:2 of s1 waits behind a:1
        const first = await store.outbox.claim(T0, 10, 'W', 60_000, 'webhook');
        expect(first.map((o) => o.id)).to.deep.equal([`${a.id}:2:webhook:source`, entries[0].id, entries[2].id, entries[3].id]);
        // a:1 of s1 fails and is deferred: a:2 still waits, until a:1 is claimable again and done
        await store.outbox.defer(entries[0].id, at(5));
        await store.outbox.markDone([first[0].id, entries[2].id, entries[3].id]);
        expect(await store.outbox.claim(at(1), 10, 'W', 60_000, 'webhook')).to.deep.equal([]);
        const retry = await store.outbox.claim(at(6), 10, 'W', 60_000, 'webhook');
        expect(retry.map((o) => o.id)).to.deep.equal([entries[0].id]);
        await store.outbox.markDone([entries[0].id]);
        expect((await store.outbox.claim(at(6), 10, 'W', 60_000, 'webhook')).map((o) => o.id)).to.deep.equal([entries[1].id]);
        const got = await store.outbox.get(entries[0].id);
        expect(got?.doneAt).to.be.a('string');
        expect(got?.topic).to.equal('webhook:s1');
        expect(await store.outbox.get('no-such')).to.equal(null);
      });

      it('claim at commit: a commit with a lease writes its live entries leased to that owner until then, its webhook entries free', async () => {
        const a = await create();
        const before = await store.outbox.claim(T0, 100, 'earlier', 1); // what create() wrote, unleased
        expect(before.map((o) => o.caseId)).to.deep.equal([a.id]);
        await store.outbox.markDone(before.map((o) => o.id));
        const lease = { owner: 'relay-A', until: at(1) };
        await store.cases.commit({
          ...next((await store.cases.get(a.id))!, {}, { outbox: [makeOutbox(a.id, 2), makeOutbox(a.id, 2, 'inbox:updated'), makeOutbox(a.id, 2, 'webhook:source')] }),
          outboxLease: lease,
        });
        expect(await store.outbox.pendingCount()).to.equal(2);
        // nobody else claims them while the lease runs (relay-A delivers them from memory) …
        expect(await store.outbox.claim(at(0.5), 10, 'relay-B', 60_000)).to.deep.equal([]);
        // … the webhook lane is not leased by it
        expect((await store.outbox.claim(at(0.5), 10, 'W', 60_000, 'webhook')).map((o) => o.topic)).to.deep.equal(['webhook:source']);
        // relay-A died without marking them done: once the lease has run out they are claimed, in order
        const after = await store.outbox.claim(at(1.5), 10, 'relay-B', 60_000);
        expect(after.map((o) => o.id)).to.deep.equal([`${a.id}:2:case:updated`, `${a.id}:2:inbox:updated`]);
        expect(after[0]).to.deep.equal({ ...makeOutbox(a.id, 2), id: `${a.id}:2:case:updated` });
      });

      it('claim at commit: a lease without an owner or a time is refused and writes nothing', async () => {
        const a = await create();
        const v = (await store.cases.get(a.id))!;
        const pending = await store.outbox.pendingCount();
        for (const outboxLease of [{ owner: '', until: at(1) }, { owner: 'r', until: 'soon' }, { owner: 'r' }] as Commit['outboxLease'][]) {
          const err = await store.cases.commit({ ...next(v, {}, { outbox: [makeOutbox(a.id, 2)] }), outboxLease }).then(() => null, (e: unknown) => e);
          expect(err, JSON.stringify(outboxLease)).to.be.instanceOf(DomainError).and.have.property('code', 'VALIDATION_FAILED');
        }
        expect((await store.cases.get(a.id))!.version).to.equal(v.version);
        expect(await store.outbox.pendingCount()).to.equal(pending);
      });

      it('keeps the webhook delivery log, newest first, counting the attempts of a delivery', async () => {
        const attempt = (n: number, outcome: 'delivered' | 'failed' | 'dropped', sub = 's1', deliveryId = 'd1') => ({
          id: `${deliveryId}-${n}-${outcome}`,
          deliveryId,
          webhookId: `msg_${deliveryId}`,
          subscriptionId: sub,
          caseId: 'c1',
          type: 'case.event',
          attempt: n,
          at: at(n),
          outcome,
          httpStatus: outcome === 'delivered' ? 200 : null,
          error: outcome === 'failed' ? 'HTTP 500' : null,
          durationMs: 3,
        });
        await store.webhookLog.append(attempt(1, 'failed'));
        await store.webhookLog.append(attempt(2, 'delivered'));
        await store.webhookLog.append(attempt(1, 'dropped', 's2', 'd2'));
        expect((await store.webhookLog.list({ subscriptionId: 's1' }, 10)).map((x) => x.attempt)).to.deep.equal([2, 1]);
        expect(await store.webhookLog.list({ deliveryId: 'd1' }, 1)).to.deep.equal([attempt(2, 'delivered')]);
        expect(await store.webhookLog.attempts('d1')).to.equal(2);
        expect(await store.webhookLog.attempts('d2')).to.equal(0); // a dropped delivery was never sent
      });
    });

    describe('nextNumber', () => {
      it('gives 1..N without gaps or duplicates under many concurrent calls', async () => {
        const N = 200;
        const got = await Promise.all(Array.from({ length: N }, () => store.cases.nextNumber('body-1', 2026)));
        expect([...got].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: N }, (_, i) => i + 1));
      });

      it('counts each body and year separately', async () => {
        await Promise.all([1, 2, 3].map(() => store.cases.nextNumber('body-1', 2026)));
        expect(await store.cases.nextNumber('body-1', 2027)).to.equal(1);
        expect(await store.cases.nextNumber('body-2', 2026)).to.equal(1);
        expect(await store.cases.nextNumber('body-1', 2026)).to.equal(4);
      });
    });

    describe('users and sessions', () => {
      it('round-trips users, refuses a second username with Duplicate, and patches', async () => {
        const u = makeUser({ username: 'zhang' });
        await store.users.insert(u);
        expect(await store.users.get(u.id)).to.deep.equal(u);
        expect(await store.users.getByUsername('zhang')).to.deep.equal(u);
        expect(await store.users.getByUsername('nobody')).to.equal(null);
        expect(await store.users.get('nobody')).to.equal(null);

        const err = await rejection(store.users.insert(makeUser({ username: 'zhang' })));
        expect(err).to.be.instanceOf(Duplicate);
        expect(await store.users.list()).to.deep.equal([u]);

        const w = makeUser({ username: 'wang', role: 'expert' });
        await store.users.insert(w);
        await store.users.update(u.id, { failedLogins: 3, lockedUntil: at(15) });
        expect(await store.users.get(u.id)).to.deep.equal({ ...u, failedLogins: 3, lockedUntil: at(15) });
        await store.users.update(u.id, { lockedUntil: null, profile: { employer: '某物业公司' } });
        expect(await store.users.get(u.id)).to.deep.equal({ ...u, failedLogins: 3, lockedUntil: null, profile: { employer: '某物业公司' } });
        expect(await rejection(store.users.update(w.id, { username: 'zhang' }))).to.be.instanceOf(Duplicate);
        expect((await store.users.get(w.id))!.username).to.equal('wang');

        await store.users.update(w.id, { username: 'wang2' });
        expect(await store.users.getByUsername('wang')).to.equal(null);
        expect((await store.users.getByUsername('wang2'))!.id).to.equal(w.id);
        expect((await store.users.list()).map((x) => x.id).sort()).to.deep.equal([u.id, w.id].sort());
      });

      it('round-trips sessions and revokes them', async () => {
        const s = makeSession('user-1');
        await store.sessions.insert(s);
        expect(await store.sessions.get(s.tokenHash)).to.deep.equal(s);
        expect(await store.sessions.get('nope')).to.equal(null);
        await store.sessions.revoke(s.tokenHash, at(30));
        expect(await store.sessions.get(s.tokenHash)).to.deep.equal({ ...s, revokedAt: at(30) });
        await store.sessions.revoke('nope', at(30));
      });

      it('revokes every live session of one user at once, but the one kept, and tells which', async () => {
        const a = makeSession('user-a');
        const b = makeSession('user-a');
        const kept = makeSession('user-a');
        const other = makeSession('user-b');
        for (const s of [a, b, kept, other]) await store.sessions.insert(s);
        await store.sessions.revoke(b.tokenHash, at(10));
        const revoked = await store.sessions.revokeForUser('user-a', at(30), kept.tokenHash);
        expect(revoked).to.deep.equal([a.tokenHash]); // b was revoked before: its first revocation stands
        expect((await store.sessions.get(a.tokenHash))!.revokedAt).to.equal(at(30));
        expect((await store.sessions.get(b.tokenHash))!.revokedAt).to.equal(at(10));
        expect((await store.sessions.get(kept.tokenHash))!.revokedAt).to.equal(null);
        expect((await store.sessions.get(other.tokenHash))!.revokedAt).to.equal(null);
        expect(await store.sessions.revokeForUser('nobody', at(30))).to.deep.equal([]);
      });
    });

    describe('org, documents, audit, idempotency, settings', () => {
      it('puts and reads org units and bodies (put replaces by id)', async () => {
        const units = [
          { id: 'd1', name: '示范区', kind: 'district' as const, parentId: null, order: 1 },
          { id: 's1', name: '东街道', kind: 'subdistrict' as const, parentId: 'd1', order: 2 },
          { id: 'c1', name: '花园社区', kind: 'community' as const, parentId: 's1', order: 3 },
        ];
        await store.org.putUnits(units);
        expect(await store.org.units()).to.deep.equal(units);
        await store.org.putUnits([{ ...units[2], name: '花园新村社区' }]);
        expect(await store.org.units()).to.deep.equal([units[0], units[1], { ...units[2], name: '花园新村社区' }]);

        const bodies = [
          { id: 'body-c1', name: '花园社区人民调解委员会', shortName: '花园', tier: 'community' as const, orgUnitId: 'c1' },
          { id: 'body-d1', name: '示范区人民调解委员会', shortName: '示范', tier: 'district' as const, orgUnitId: 'd1' },
        ];
        await store.org.putBodies(bodies);
        await store.org.putBodies([{ ...bodies[1], shortName: '示范区' }]);
        expect(await store.org.bodies()).to.deep.equal([bodies[0], { ...bodies[1], shortName: '示范区' }]);
      });

      it('round-trips documents, one version per case and kind', async () => {
        const base = {
          caseId: 'case-1',
          templateVersion: 't1',
          html: '<h1>调解协议书</h1>',
          sha256: 'abc',
          draft: false,
          issuedBy: 'u1',
        };
        const d1 = { ...base, id: 'doc-1', kind: 'agreement', version: 1, issuedAt: at(1), data: { clauses: 2 } };
        const d2 = { ...base, id: 'doc-2', kind: 'agreement', version: 2, issuedAt: at(2) };
        const d3 = { ...base, id: 'doc-3', kind: 'notice', version: 1, issuedAt: at(3), draft: true };
        const other = { ...base, id: 'doc-4', caseId: 'case-2', kind: 'agreement', version: 1, issuedAt: at(0) };
        for (const d of [d2, other, d3, d1]) await store.documents.insert(d);
        expect(await store.documents.get('doc-1')).to.deep.equal(d1);
        expect(await store.documents.get('nope')).to.equal(null);
        expect(await store.documents.list('case-1')).to.deep.equal([d1, d2, d3]);
        expect(await rejection(store.documents.insert({ ...d1, id: 'doc-5' }))).to.be.instanceOf(Duplicate);
        expect(await rejection(store.documents.insert({ ...d1, version: 9 }))).to.be.instanceOf(Duplicate);
        expect(await store.documents.list('case-1')).to.have.length(3);
      });

      it('appends audit entries and lists the newest first', async () => {
        const entries = [1, 2, 3].map((i) => ({
          at: at(i),
          actor: i === 2 ? null : 'u1',
          action: `action-${i}`,
          ip: i === 3 ? null : '10.0.0.1',
          detail: { i, 说明: '登录' },
        }));
        for (const e of entries) await store.audit.append(e);
        expect(await store.audit.list(2)).to.deep.equal([entries[2], entries[1]]);
        expect(await store.audit.list(10)).to.deep.equal([...entries].reverse());
      });

      it('keeps the first idempotency record of a key', async () => {
        const rec = { key: 'u1:k1', requestHash: 'h1', status: 201, body: { id: 'case-1' }, createdAt: T0 };
        expect(await store.idempotency.get('u1:k1')).to.equal(null);
        expect(await store.idempotency.put(rec)).to.equal(true);
        expect(await store.idempotency.put({ ...rec, requestHash: 'h2', status: 500 })).to.equal(false);
        expect(await store.idempotency.get('u1:k1')).to.deep.equal(rec);
      });

      it('gets and puts settings as JSON', async () => {
        expect(await store.settings.get('calendar')).to.equal(null);
        await store.settings.put('calendar', { years: [2025, 2026], source: '国务院办公厅' });
        expect(await store.settings.get('calendar')).to.deep.equal({ years: [2025, 2026], source: '国务院办公厅' });
        await store.settings.put('calendar', { years: [2026] });
        expect(await store.settings.get('calendar')).to.deep.equal({ years: [2026] });
        await store.settings.put('n', 42);
        expect(await store.settings.get<number>('n')).to.equal(42);
      });
    });

    // ── the oversight projection (statistics, ledger, 倒查, company warnings) ──────────────────────
    describe('oversight projection', () => {
      /** Facts as server/oversight/facts.ts makes them; only what a test names differs. */
      const facts = (over: Partial<OversightFacts> = {}): OversightFacts => ({
        v: 1,
        registeredAt: T0,
        month: '2026-03',
        source: null,
        settled: false,
        settledAt: null,
        settledTier: null,
        daysToSettle: null,
        failed: false,
        clauses: { total: 0, checked: 0, full: 0, partial: 0, none: 0 },
        visits: 0,
        satisfaction: [0, 0, 0, 0, 0],
        everOverdue: false,
        keys: ['c:service_quality'],
        relatedCases: [],
        companies: [],
        ledger: { caseNo: 'x', status: 'registered' },
        ...over,
      });
      const withFacts = (over: Partial<CaseRecord>, f: Partial<OversightFacts> = {}) => {
        const rec = makeCase(over);
        return create({ ...rec, oversight: facts({ registeredAt: rec.createdAt, ledger: { caseNo: rec.caseNo, status: rec.status }, ...f }) });
      };
      const ov = () => store.oversight!;

      it('has the projection (Store.oversight)', () => {
        expect(store.oversight, 'Store.oversight').to.not.equal(undefined);
      });
      // an adapter without it fails the test above, once, rather than every test below
      beforeEach(function () {
        if (!store.oversight && this.currentTest?.title !== 'has the projection (Store.oversight)') this.skip();
      });

      it('sums the facts of each commit by facet, in scope, and follows later commits without double counting', async () => {
        const a = await withFacts({ bodyId: 'b1', compoundId: 'k1', createdAt: at(0) }, {
          settled: true,
          settledTier: 'community',
          daysToSettle: 4,
          clauses: { total: 2, checked: 2, full: 1, partial: 1, none: 0 },
          visits: 2,
          satisfaction: [0, 0, 1, 0, 1],
        });
        await withFacts({ bodyId: 'b1', compoundId: 'k2', createdAt: at(60), status: 'closed' }, { failed: true, everOverdue: true });
        await withFacts({ bodyId: 'b2', compoundId: 'k2', createdAt: at(120), tier: 'district' }, {
          settled: true,
          settledTier: 'district',
          daysToSettle: 9,
          relatedCases: [{ id: a.id, caseNo: a.caseNo, registeredAt: a.createdAt, reasons: ['category'] }],
        });
        await create(makeCase({ bodyId: 'b1' })); // no projection: not counted

        const all = await ov().facets({}, { all: [], byStatus: ['status'], days: ['daysToSettle'] });
        expect(all.all).to.have.length(1);
        expect(all.all[0]).to.deep.include({
          cases: 3,
          settled: 2,
          settledWithinSubdistrict: 1,
          failed: 1,
          clausesChecked: 2,
          clausesFull: 1,
          clausesPartial: 1,
          visits: 2,
          overdue: 1,
          red: 0,
          recurrences: 1,
        });
        expect(all.all[0].satisfaction).to.deep.equal([0, 0, 1, 0, 1]);
        expect(all.byStatus.map((g) => [g.key.status, g.cases]).sort()).to.deep.equal([['closed', 1], ['registered', 2]]);
        expect(all.days.map((g) => [g.key.daysToSettle, g.settled])).to.have.deep.members([[4, 1], [9, 1], [null, 0]]);

        const scoped = await ov().facets({ bodyIds: ['b1'], from: at(30), to: at(200) }, { all: [] });
        expect(scoped.all.map((g) => g.cases)).to.deep.equal([1]);
        expect((await ov().facets({ compoundId: 'k2' }, { c: ['compoundId', 'tier'] })).c.map((g) => [g.key.compoundId, g.key.tier, g.cases]).sort()).to.deep.equal([
          ['k2', 'community', 1],
          ['k2', 'district', 1],
        ]);
        expect((await ov().facets({ bodyIds: [] }, { all: [] })).all).to.deep.equal([]);

        // a later commit rewrites the case's facts: the sums follow
        await advance(a, { status: 'closed', warning: 'red', oversight: facts({ registeredAt: a.createdAt, everOverdue: true }) });
        const after = (await ov().facets({}, { all: [] })).all[0];
        expect([after.cases, after.settled, after.overdue, after.red, after.visits]).to.deep.equal([3, 1, 2, 1, 0]);
      });

      it('sums and groups the fields the 司法局 counts (issue 16 §4) from the ledger line, and hands them to the index', async () => {
        // amounts and forms count for settled cases only; the amount is summed in fen (0.1 + 0.2 is 0.3 here)
        const rows: Array<{ settled: boolean; ledger: Record<string, unknown> }> = [
          {
            settled: true,
            ledger: { intakeMode: 'application', orgType: 'village_resident', agreementForm: 'written', agreementAmount: 1234.1, people: 5, households: 3, confirmation: 'confirmed', preventsCriminal: true, preventsMass: false },
          },
          {
            settled: true,
            ledger: { intakeMode: 'hotline_12345', orgType: 'village_resident', agreementForm: 'oral', agreementAmount: 0.2, people: 2, households: 2, confirmation: null, preventsCriminal: false, preventsMass: true },
          },
          {
            // an agreement in effect that does not stand (reopened): neither its amount nor its form counts
            settled: false,
            ledger: { intakeMode: 'hotline_12345', orgType: 'township_street', agreementForm: 'written', agreementAmount: 99, people: 1, households: null, confirmation: 'refused', preventsCriminal: true, preventsMass: true },
          },
          { settled: false, ledger: { intakeMode: 'police', orgType: null, agreementForm: null, agreementAmount: null, people: 3, households: 1, confirmation: 'pending' } },
        ];
        const made = [];
        for (const [i, r] of rows.entries()) {
          made.push(await withFacts({ createdAt: at(i) }, { settled: r.settled, settledTier: r.settled ? 'community' : null, ledger: { caseNo: `L-${i}`, ...r.ledger } as OversightFacts['ledger'] }));
        }
        const f = await ov().facets({}, { all: [], modes: ['intakeMode', 'orgType'] });
        expect(f.all[0]).to.deep.include({
          cases: 4,
          settled: 2,
          agreementFen: 123430,
          agreementsWritten: 1,
          agreementsOral: 1,
          people: 11,
          households: 6,
          confirmationApplied: 3,
          confirmed: 1,
          confirmationRefused: 1,
          preventsCriminal: 2,
          preventsMass: 2,
        });
        expect(f.modes.map((g) => [g.key.intakeMode, g.key.orgType, g.cases, g.people])).to.have.deep.members([
          ['application', 'village_resident', 1, 5],
          ['hotline_12345', 'village_resident', 1, 2],
          ['hotline_12345', 'township_street', 1, 1],
          ['police', null, 1, 3],
        ]);
        const since = await ov().factsSince(0, 10);
        expect(since.map((r) => r.caseId)).to.deep.equal(made.map((m) => m.id));
        expect(since[0]).to.deep.include({ intakeMode: 'application', orgType: 'village_resident', agreementFen: 123410, agreementWritten: true, agreementOral: false, people: 5, households: 3, confirmationApplied: true, confirmed: true, confirmationRefused: false, preventsCriminal: true, preventsMass: false });
        expect(since[2]).to.deep.include({ agreementFen: 0, agreementWritten: false, confirmationRefused: true, households: 0 });
        expect(since[3]).to.deep.include({ orgType: null, confirmationApplied: true, confirmed: false, confirmationRefused: false });
        // the in-memory index, fed by factsSince, sums the same as the store
        const sorted = (gs: OversightGroup[]) => [...gs].sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
        const memory = await new FactsIndex(ov()).facets({}, { all: [], modes: ['intakeMode', 'orgType'] });
        expect(memory.all).to.deep.equal(f.all);
        expect(sorted(memory.modes)).to.deep.equal(sorted(f.modes));
      });

      it('hands out the facts written after a change number, in change order', async () => {
        expect(await ov().factsSince(0, 10)).to.deep.equal([]);
        const a = await withFacts({ bodyId: 'b1', compoundId: 'k1', communityId: 'c1', subdistrictId: 's1', createdAt: at(0) }, {
          settled: true,
          settledTier: 'subdistrict',
          daysToSettle: 3,
          satisfaction: [0, 0, 0, 2, 1],
        });
        const b = await withFacts({ createdAt: at(1) });
        const first = await ov().factsSince(0, 10);
        expect(first.map((r) => r.caseId)).to.deep.equal([a.id, b.id]);
        expect(first[0]).to.deep.include({
          caseId: a.id,
          bodyId: 'b1',
          compoundId: 'k1',
          communityId: 'c1',
          subdistrictId: 's1',
          registeredAt: Date.parse(a.createdAt),
          month: '2026-03',
          status: 'registered',
          settled: true,
          settledTier: 'subdistrict',
          daysToSettle: 3,
          red: false,
          recurrence: 0,
        });
        expect(first[0].satisfaction).to.deep.equal([0, 0, 0, 2, 1]);
        expect(first[1].seq).to.be.greaterThan(first[0].seq);
        const seen = first[1].seq;
        expect(await ov().factsSince(seen, 10)).to.deep.equal([]);
        await advance(a, { status: 'closed', oversight: facts({ registeredAt: a.createdAt }) });
        const later = await ov().factsSince(seen, 10);
        expect(later.map((r) => [r.caseId, r.status, r.settled])).to.deep.equal([[a.id, 'closed', false]]);
        expect((await ov().factsSince(0, 1)).map((r) => r.caseId)).to.deep.equal([b.id]);
      });

      it('pages the ledger in registration order, with the later cases linked to each', async () => {
        const a = await withFacts({ createdAt: at(10), caseNo: 'N-A' });
        const b = await withFacts({ createdAt: at(5), caseNo: 'N-B' });
        await withFacts({ createdAt: at(20), caseNo: 'N-C', bodyId: 'b9' }, {
          relatedCases: [
            { id: a.id, caseNo: a.caseNo, registeredAt: a.createdAt, reasons: ['party'] },
            { id: b.id, caseNo: b.caseNo, registeredAt: b.createdAt, reasons: ['category', 'party'] },
          ],
        });
        const p1 = await ov().ledger({}, null, 2);
        expect(p1.map((e) => e.caseNo)).to.deep.equal(['N-B', 'N-A']);
        expect(p1[0]).to.deep.include({ caseId: b.id, bodyId: 'body-c1', laterCases: ['N-C'] });
        expect(p1[0].row).to.deep.equal({ caseNo: 'N-B', status: 'registered' });
        expect(Date.parse(p1[0].registeredAt)).to.equal(Date.parse(b.createdAt));
        const p2 = await ov().ledger({}, { registeredAt: p1[1].registeredAt, caseId: p1[1].caseId }, 2);
        expect(p2.map((e) => e.caseNo)).to.deep.equal(['N-C']);
        expect((await ov().ledger({ bodyIds: ['b9'] }, null, 10)).map((e) => e.caseNo)).to.deep.equal(['N-C']);
        expect((await ov().ledgerByCaseNos(['N-C', 'N-A', 'nope'])).map((e) => e.caseNo).sort()).to.deep.equal(['N-A', 'N-C']);
        // who holds each number now (a viewer's ledger names only its own cases: issue 15 §3)
        const held = await ov().holders(['N-C', 'N-A', 'nope']);
        expect(held.map((h) => [h.caseNo, h.bodyId]).sort()).to.deep.equal([
          ['N-A', 'body-c1'],
          ['N-C', 'b9'],
        ]);
        expect(await ov().holders([])).to.deep.equal([]);

        // the same lines prepared for CSV, paged by an opaque cursor (optional: a CSV export prepares
        // them itself from an adapter without it)
        if (!ov().ledgerLines) return;
        const lines = ov().ledgerLines!.bind(ov());
        const l1 = await lines({}, null, 2);
        expect(l1.lines.map((l) => l.line.toString('utf8'))).to.deep.equal([ledgerTemplate(p1[0].row), ledgerTemplate(p1[1].row)]);
        expect(l1.lines[0]).to.deep.include({ bodyId: 'body-c1', compoundId: 'cmp-1' });
        expect(l1.lines[0].later.toString('utf8')).to.equal('N-C');
        expect(l1.next).to.be.a('string');
        const l2 = await lines({}, l1.next, 2);
        expect([l2.lines.length, l2.next]).to.deep.equal([1, null]);
        expect((await lines({ bodyIds: ['b9'] }, null, 5)).lines.map((l) => l.bodyId)).to.deep.equal(['b9']);
      });

      it('relates each case to the earlier and the later ones', async () => {
        const a = await withFacts({ createdAt: at(10), caseNo: 'N-A' });
        const b = await withFacts({ createdAt: at(5), caseNo: 'N-B' });
        const c = await withFacts({ createdAt: at(20), caseNo: 'N-C', bodyId: 'b9' }, {
          relatedCases: [
            { id: a.id, caseNo: a.caseNo, registeredAt: a.createdAt, reasons: ['party'] },
            { id: b.id, caseNo: b.caseNo, registeredAt: b.createdAt, reasons: ['category', 'party'] },
          ],
        });
        const rel = await ov().related(c.id);
        expect(rel.later).to.deep.equal([]);
        expect(rel.earlier.map((r) => [r.id, r.reasons])).to.deep.equal([
          [a.id, ['party']],
          [b.id, ['category', 'party']],
        ]);
        expect((await ov().related(b.id)).later.map((r) => r.caseNo)).to.deep.equal(['N-C']);
      });

      it('finds recurrence candidates by compound, key and window', async () => {
        const a = await withFacts({ compoundId: 'k1', createdAt: at(0) }, { keys: ['c:noise', 'n:aaa'] });
        await withFacts({ compoundId: 'k1', createdAt: at(100) }, { keys: ['c:parking', 'n:bbb'] });
        await withFacts({ compoundId: 'k2', createdAt: at(50) }, { keys: ['c:noise', 'n:aaa'] });
        const found = await ov().recurrenceCandidates({ compoundId: 'k1', keys: ['c:noise', 'n:bbb'], since: at(-10), until: at(200) });
        expect(found.map((f) => [f.caseNo, [...f.keys].sort()])).to.have.deep.members([
          [a.caseNo, ['c:noise']],
          [(await store.cases.list({ compoundId: 'k1', page: 1, limit: 10 })).items.find((r) => r.id !== a.id)!.caseNo, ['n:bbb']],
        ]);
        expect(await ov().recurrenceCandidates({ compoundId: 'k1', keys: ['c:noise'], since: at(1), until: at(200) })).to.deep.equal([]);
        expect(await ov().recurrenceCandidates({ compoundId: 'k1', keys: [], since: at(-10), until: at(200) })).to.deep.equal([]);
      });

      it('finds a case by its source reference and refuses a second case with the same one', async () => {
        const a = await withFacts({}, { source: { system: '12345', ref: 'GD-7' } });
        expect(await ov().bySource('12345', 'GD-7')).to.deep.equal({ caseId: a.id, caseNo: a.caseNo });
        expect(await ov().bySource('12345', 'GD-8')).to.equal(null);
        const err = await rejection(withFacts({}, { source: { system: '12345', ref: 'GD-7' } }));
        expect(err).to.be.instanceOf(Duplicate);
        expect(await store.cases.count()).to.equal(1); // nothing of the second commit was written
        await advance(a, { status: 'in_mediation', oversight: facts({ source: { system: '12345', ref: 'GD-7' } }) }); // its own later commits are fine
      });

      it('feeds the committed events to the projector in commit order, and keeps its position', async () => {
        expect([await ov().head(), await ov().position()]).to.deep.equal([0, 0]);
        const a = await create(makeCase({ createdAt: at(0) }));
        const b = await create(makeCase({ createdAt: at(1) }));
        const a2 = await advance(a, { status: 'in_mediation' });
        const feed = await ov().feed(0, 10);
        expect(feed.map((e) => [e.caseId, e.seq])).to.deep.equal([
          [a.id, 1],
          [b.id, 1],
          [a.id, 2],
        ]);
        expect(feed[0].type).to.be.a('string');
        expect(feed[1].pos).to.be.greaterThan(feed[0].pos);
        expect(feed[2].pos).to.be.greaterThan(feed[1].pos);
        expect(await ov().head()).to.equal(feed[2].pos);
        expect((await ov().feed(feed[0].pos, 10)).map((e) => e.caseId)).to.deep.equal([b.id, a.id]);
        expect(await ov().feed(feed[0].pos, 1)).to.have.length(1);
        // the projection and the position move together; a record at a stale version is left alone
        await ov().project([{ ...a2, oversight: facts({ registeredAt: a2.createdAt }) }, { ...b, version: 7, oversight: facts() }], feed[1].pos);
        expect(await ov().position()).to.equal(feed[1].pos);
        expect((await ov().facts(a.id))!.version).to.equal(2);
        expect(await ov().facts(b.id)).to.equal(null);
        await ov().project([], feed[2].pos);
        expect(await ov().position()).to.equal(feed[2].pos);
        expect((await ov().facets({}, { all: [] })).all[0].cases).to.equal(1);
        // a later commit of the case leaves its projection in place until the projector writes the next one
        await advance(a2, { status: 'closed' });
        expect((await ov().facts(a.id))!.version).to.equal(2);
        expect((await ov().facets({}, { all: [] })).all[0].cases).to.equal(1);
      });

      it('refuses a second case with the same source reference at commit, from its REGISTER event', async () => {
        const first = intake(makeCase({}));
        first.event = { ...first.event, type: 'REGISTER', data: { source: { system: 'grid', ref: 'W-1' } } };
        await store.cases.commit(first);
        expect(await ov().bySource('grid', 'W-1')).to.deep.equal({ caseId: first.caseId, caseNo: first.record.caseNo });
        const second = intake(makeCase({}));
        second.event = { ...second.event, type: 'REGISTER', data: { source: { system: 'grid', ref: 'W-1' } } };
        expect(await rejection(store.cases.commit(second))).to.be.instanceOf(Duplicate);
        expect(await store.cases.count()).to.equal(1);
      });

      it('lists each company case in scope with its flags', async () => {
        await withFacts({ bodyId: 'b1', category: 'parking' }, {
          companies: [{ key: '甲物业', name: '甲物业', nonPerformance: true, recurrence: false }],
        });
        await withFacts({ bodyId: 'b2' }, {
          companies: [
            { key: '甲物业', name: '甲 物业', nonPerformance: false, recurrence: true },
            { key: '乙物业', name: '乙物业', nonPerformance: false, recurrence: false },
          ],
        });
        const rows = await ov().companies({});
        expect(rows.map((r) => [r.key, r.nonPerformance, r.recurrence]).sort()).to.deep.equal([
          ['乙物业', false, false],
          ['甲物业', false, true],
          ['甲物业', true, false],
        ]);
        expect((await ov().companies({ bodyIds: ['b1'] })).map((r) => [r.key, r.category])).to.deep.equal([['甲物业', 'parking']]);
      });

      it('names the stale cases and backfills them unless a commit got there first', async () => {
        const plain = await create(makeCase({ createdAt: at(1) }));
        const old = await withFacts({ createdAt: at(2) }, { v: 0 });
        await withFacts({ createdAt: at(3) });
        expect((await ov().stale(1, 10)).sort()).to.deep.equal([plain.id, old.id].sort());
        await ov().project([
          { ...plain, oversight: facts({ registeredAt: plain.createdAt, keys: ['c:x'] }) },
          { ...old, version: old.version + 5, oversight: facts({ registeredAt: old.createdAt }) }, // stale version: left alone
        ]);
        expect(await ov().stale(1, 10)).to.deep.equal([old.id]);
        // kept beside the case, with the version it was projected at (the projector starts from it)
        const kept = await ov().facts(plain.id);
        expect([kept!.version, kept!.facts.keys]).to.deep.equal([plain.version, ['c:x']]);
        expect(await ov().facts(old.id)).to.equal(null);
        expect((await ov().facets({}, { all: [] })).all[0].cases).to.equal(3);
      });
    });
  });
}
