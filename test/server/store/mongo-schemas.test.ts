// The MongoDB adapter without a server: the schemas and their indexes, the documents the codec
// stores (validated by the mongoose models), and every filter / update the adapter sends — asserted as
// documents, and where the meaning matters, evaluated on sample documents with sift (the matcher
// mongoose depends on, which follows MongoDB's query semantics).
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { loadConfig } from '../../../server/config.ts';
import { openStore } from '../../../server/store/open.ts';
import {
  auditDoc,
  auditOf,
  caseDoc,
  caseOf,
  documentDoc,
  documentOf,
  eventDoc,
  eventOf,
  factsOf,
  idempotencyDoc,
  idempotencyOf,
  nextPos,
  orgUnitDoc,
  outboxDoc,
  outboxOf,
  sessionDoc,
  settingDoc,
  timerDoc,
  timerOf,
  userDoc,
  userOf,
} from '../../../server/store/mongo/codec.ts';
import { checkCommit } from '../../../server/store/commit-rules.ts';
import { duplicateFields, isDuplicateKey } from '../../../server/store/mongo/commit.ts';
import { createMongoStore, supportsTransactions } from '../../../server/store/mongo/index.ts';
import {
  CASE_LIST_SORT,
  caseListFilter,
  caseListPage,
  caseRestore,
  caseUpdate,
  counterInc,
  escapeRegex,
  eventFinish,
  eventList,
  leaseFree,
  nextDue,
  outboxCandidates,
  outboxEarlier,
  oversightFacets,
  oversightScope,
  projectFacts,
  outboxDone,
  outboxLease,
  outboxWon,
  sessionRevoke,
  timerCancelKinds,
  timerClaim,
  timerFire,
  timerRelease,
  userPatch,
} from '../../../server/store/mongo/queries.ts';
import {
  COLLECTION_NAMES,
  IDEMPOTENCY_TTL_SECONDS,
  SCHEMAS,
  collectionOf,
  offlineModels,
  uniqueKeys,
} from '../../../server/store/mongo/schemas.ts';
import type { CaseFilter } from '../../../server/store/port.ts';
import { T0, at, intake, makeCase, makeEvent, makeOutbox, makeSession, makeTimer, makeUser, next } from '../../support/records.ts';

type Matcher = (doc: unknown) => boolean;
const siftModule = createRequire(createRequire(import.meta.url).resolve('mongoose'))('sift') as { default?: (q: unknown) => Matcher };
const sift = (siftModule.default ?? siftModule) as (q: unknown) => Matcher;
const matches = (filter: object, doc: object) => sift(filter)(doc);

describe('mongo adapter without a server', () => {
  describe('schemas and indexes', () => {
    const indexes = (name: keyof typeof SCHEMAS) =>
      SCHEMAS[name].indexes().map(([fields, options]) => ({ fields, ...options }));

    it('has a schema and a collection for every area of the port', () => {
      expect(COLLECTION_NAMES).to.have.members([
        'cases',
        'events',
        'timers',
        'outbox',
        'counters',
        'users',
        'sessions',
        'orgUnits',
        'bodies',
        'documents',
        'audit',
        'idempotency',
        'settings',
        'webhookAttempts',
      ]);
      for (const name of COLLECTION_NAMES) expect(collectionOf(name)).to.equal(name);
    });

    it('indexes cases for each list, with the case number unique and experts multikey', () => {
      expect(indexes('cases')).to.deep.equal([
        { fields: { caseNo: 1 }, unique: true, name: 'caseNo_unique' },
        { fields: { formerCaseNos: 1 }, name: 'former_case_nos', sparse: true },
        { fields: { updatedAt: -1, _id: 1 }, name: 'updated' },
        { fields: { bodyId: 1, updatedAt: -1 }, name: 'body_updated' },
        { fields: { courtId: 1, courtInbox: 1, updatedAt: -1 }, name: 'court_inbox' },
        { fields: { status: 1, updatedAt: -1 }, name: 'status_updated' },
        { fields: { compoundId: 1 }, name: 'compound' },
        { fields: { experts: 1 }, name: 'experts' },
        { fields: { searchText: 1 }, name: 'search_text' },
        { fields: { '_f.source': 1 }, name: 'source_unique', unique: true, sparse: true },
        { fields: { '_f.registeredAt': 1, _id: 1 }, name: 'registered', sparse: true },
        { fields: { bodyId: 1, '_f.registeredAt': 1 }, name: 'body_registered' },
        { fields: { compoundId: 1, 'oversight.keys': 1, '_f.registeredAt': -1 }, name: 'recurrence_keys' },
        { fields: { 'oversight.relatedCases.id': 1 }, name: 'related_links', sparse: true },
        { fields: { 'oversight.companies.key': 1 }, name: 'companies', sparse: true },
        { fields: { '_f.v': 1 }, name: 'facts_version' },
        { fields: { '_f.seq': 1 }, name: 'facts_seq', sparse: true },
      ]);
      expect(SCHEMAS.cases.path('experts').instance).to.equal('Array');
      expect(SCHEMAS.cases.path('updatedAt').instance).to.equal('Date');
    });

    it('makes (caseId, seq) of events unique: the commit point', () => {
      expect(indexes('events')).to.deep.include({ fields: { caseId: 1, seq: 1 }, unique: true, name: 'case_seq_unique' });
      expect(uniqueKeys('events')).to.deep.equal([['_id'], ['caseId', 'seq']]);
    });

    it('indexes the queues for their claims, with compared times as dates', () => {
      expect(indexes('timers')).to.deep.equal([
        { fields: { state: 1, dueAt: 1 }, name: 'due' },
        { fields: { state: 1, leaseUntil: 1 }, name: 'leased' },
        { fields: { caseId: 1, state: 1, kind: 1 }, name: 'case_state_kind' },
      ]);
      expect(indexes('outbox')).to.deep.equal([
        { fields: { doneAt: 1, pos: 1 }, name: 'pending_pos' },
        { fields: { caseId: 1, seq: 1 }, name: 'case_seq' },
      ]);
      for (const [schema, path] of [
        ['timers', 'dueAt'],
        ['timers', 'leaseUntil'],
        ['outbox', 'leaseUntil'],
        ['outbox', 'doneAt'],
        ['documents', 'issuedAt'],
        ['audit', 'at'],
        ['idempotency', 'createdAt'],
      ] as const) {
        expect(SCHEMAS[schema].path(path).instance, `${schema}.${path}`).to.equal('Date');
      }
    });

    it('keeps usernames, document versions and idempotency keys unique, and expires idempotency records', () => {
      expect(uniqueKeys('users')).to.deep.equal([['_id'], ['username']]);
      expect(uniqueKeys('documents')).to.deep.equal([['_id'], ['caseId', 'kind', 'version']]);
      expect(uniqueKeys('idempotency')).to.deep.equal([['_id']]); // the key is the _id
      expect(indexes('idempotency')).to.deep.equal([
        { fields: { createdAt: 1 }, name: 'expiry', expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS },
      ]);
      expect(IDEMPOTENCY_TTL_SECONDS).to.be.at.least(24 * 3600);
      expect(indexes('sessions')).to.deep.equal([{ fields: { userId: 1 }, name: 'user' }]);
      expect(indexes('audit')).to.deep.equal([{ fields: { at: -1, pos: -1 }, name: 'newest' }]);
    });

    it('builds no index implicitly and adds no mongoose fields to documents', () => {
      for (const name of COLLECTION_NAMES) {
        const s = SCHEMAS[name];
        expect(s.get('autoIndex'), name).to.equal(false);
        expect(s.get('versionKey'), name).to.equal(false);
        expect(s.get('strict'), name).to.equal('throw');
      }
    });
  });

  describe('stored documents', () => {
    const models = offlineModels();
    const valid = async (name: keyof typeof SCHEMAS, doc: object) => {
      const m = new models[name](doc);
      await m.validate();
      return m;
    };

    it('stores a case with its id as _id and updatedAt as a date, and reads it back exactly', async () => {
      const rec = makeCase({ updatedAt: '2026-03-02T12:00:00+08:00', experts: ['e1'], courtId: 'court-1', courtInbox: true });
      const doc = caseDoc(rec);
      expect(doc._id).to.equal(rec.id);
      expect(doc).to.not.have.property('id');
      expect(doc.updatedAt).to.be.instanceOf(Date);
      expect(doc.updatedAt.toISOString()).to.equal('2026-03-02T04:00:00.000Z');
      expect(doc._iso).to.deep.equal({ updatedAt: '2026-03-02T12:00:00+08:00' }); // the offset form is kept
      expect(caseOf(doc)).to.deep.equal(rec);
      await valid('cases', doc);

      const utc = caseDoc(makeCase({ updatedAt: '2026-03-02T04:00:00.000Z' }));
      expect(utc).to.not.have.property('_iso');
    });

    it('refuses a time that is not ISO-8601', () => {
      expect(() => caseDoc(makeCase({ updatedAt: 'yesterday' }))).to.throw(/updatedAt is not an ISO-8601 time/);
      expect(() => timerDoc(makeTimer('c', 'acceptance', 'soon'), 'c')).to.throw(/dueAt/);
    });

    it('drops undefined fields, as the JSON of the embedded store does', () => {
      const rec = { ...makeCase(), extra: undefined } as unknown as ReturnType<typeof makeCase>;
      expect(caseDoc(rec)).to.not.have.property('extra');
    });

    it('stores events under `${caseId}:${seq}` and reads them back exactly', async () => {
      const e = makeEvent('case-1', 3, { clientIp: '10.0.0.1', data: { 说明: '调解' } });
      const doc = eventDoc(e);
      expect(doc._id).to.equal('case-1:3');
      expect(eventOf(doc)).to.deep.equal(e);
      expect(eventOf({ ...doc, _pending: { since: new Date() } })).to.deep.equal(e);
      await valid('events', doc);
    });

    it('stores timers with dueAt and leaseUntil as dates, leaseUntil read back in UTC', async () => {
      const t = makeTimer('case-1', 'acceptance', '2026-03-05T08:00:00+08:00', { leaseOwner: 'A', leaseUntil: '2026-03-05T00:00:01+00:00' });
      const doc = timerDoc(t, 'case-1');
      expect(doc).to.deep.include({ _id: t.id, caseId: 'case-1', state: 'pending', leaseOwner: 'A' });
      expect(doc.dueAt).to.be.instanceOf(Date);
      expect(doc.leaseUntil).to.be.instanceOf(Date);
      expect(timerOf(doc)).to.deep.equal({ ...t, leaseUntil: '2026-03-05T00:00:01.000Z' });
      await valid('timers', doc);
    });

    it('stores outbox entries with their delivery position and no lease', async () => {
      const o = makeOutbox('case-1', 2);
      const doc = outboxDoc(o, 'case-1', 42);
      expect(doc).to.deep.equal({
        _id: o.id,
        caseId: 'case-1',
        seq: 2,
        topic: 'case:updated',
        payload: o.payload,
        createdAt: o.createdAt,
        pos: 42,
        doneAt: null,
        leaseOwner: null,
        leaseUntil: null,
        leaseToken: null,
      });
      expect(outboxOf(doc)).to.deep.equal(o);
      await valid('outbox', doc);
    });

    it('gives delivery positions that only increase, and follow the clock across processes', () => {
      const a = nextPos(1_000);
      const b = nextPos(1_000);
      const c = nextPos(Date.now());
      expect(b).to.be.greaterThan(a);
      expect(c).to.be.greaterThan(b);
      expect(c).to.be.at.least(Date.now() * 1024 - 1024 * 1000);
      expect(Number.isSafeInteger(nextPos(Date.parse('2200-01-01T00:00:00Z')))).to.equal(true);
    });

    it('round-trips the plain records, and every stored document fits its schema', async () => {
      const u = makeUser({ profile: {} });
      expect(userOf(userDoc(u))).to.deep.equal(u);
      await valid('users', userDoc(u));
      await valid('sessions', sessionDoc(makeSession('u1')));
      await valid('orgUnits', orgUnitDoc({ id: 'd1', name: '示范区', kind: 'district', parentId: null, order: 1 }));
      const d = { id: 'doc-1', caseId: 'c', kind: 'agreement', version: 1, templateVersion: 't1', html: '<p/>', sha256: 'x', draft: false, issuedAt: T0, issuedBy: 'u1', data: { a: 1 } };
      expect(documentOf(documentDoc(d))).to.deep.equal(d);
      await valid('documents', documentDoc(d));
      const e = { at: at(1), actor: null, action: 'login', ip: null, detail: { ok: true } };
      const a = auditDoc(e, new (await import('mongoose')).default.mongo.ObjectId(), 7);
      expect(auditOf(a)).to.deep.equal(e);
      await valid('audit', a);
      const r = { key: 'u:1:k', requestHash: 'h', status: 201, body: { id: 'x' }, createdAt: T0 };
      expect(idempotencyOf(idempotencyDoc(r))).to.deep.equal(r);
      await valid('idempotency', idempotencyDoc(r));
      await valid('settings', settingDoc('runtime', { recurrenceDays: 365 }));
      await valid('counters', { _id: 'b1:2026', bodyId: 'b1', year: 2026, n: 3 });
    });

    it('rejects a field a schema does not know (so the codec and the schemas cannot drift apart)', async () => {
      let err: unknown;
      try {
        await valid('cases', { ...caseDoc(makeCase()), surprise: 1 });
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/surprise/);
    });
  });

  describe('query and update documents', () => {
    const f = (over: Partial<CaseFilter>): CaseFilter => ({ page: 1, limit: 20, ...over });

    it('builds the list filter: the jurisdiction as an OR, ANDed with the field filters', () => {
      expect(caseListFilter(f({}))).to.deep.equal({});
      expect(caseListFilter(f({ bodyIds: ['b1', 'b2'] }))).to.deep.equal({ bodyId: { $in: ['b1', 'b2'] } });
      expect(caseListFilter(f({ bodyIds: ['b1'], courtId: 'court-1', expertId: 'e1', status: 'registered', overdue: false }))).to.deep.equal({
        $and: [
          { $or: [{ bodyId: { $in: ['b1'] } }, { courtId: 'court-1', courtInbox: true }, { experts: 'e1' }] },
          { status: 'registered' },
          { overdue: false },
        ],
      });
      expect(caseListFilter(f({ ids: ['a', 'b'], tier: 'community', category: 'leakage', compoundId: 'k1', warning: 'red' }))).to.deep.equal({
        $and: [{ _id: { $in: ['a', 'b'] } }, { tier: 'community' }, { category: 'leakage' }, { compoundId: 'k1' }, { warning: 'red' }],
      });
      expect(CASE_LIST_SORT).to.deep.equal({ updatedAt: -1, _id: 1 });
      expect(caseListPage({ page: 3, limit: 10 })).to.deep.equal({ skip: 20, limit: 10 });
      expect(caseListPage({ page: 0, limit: -5 })).to.deep.equal({ skip: 0, limit: 0 });
    });

    it('matches nothing for an empty jurisdiction or id list', () => {
      const doc = { _id: 'a', bodyId: 'b1' };
      expect(matches(caseListFilter(f({ bodyIds: [] })), doc)).to.equal(false);
      expect(matches(caseListFilter(f({ ids: [] })), doc)).to.equal(false);
      expect(matches(caseListFilter(f({ bodyIds: [], courtId: 'c' })), { ...doc, courtId: 'c', courtInbox: true })).to.equal(true);
    });

    it('searches q as an escaped, case-insensitive regex: a literal substring', () => {
      expect(caseListFilter(f({ q: '  GJ-2026 ' }))).to.deep.equal({ searchText: { $regex: 'gj\\-2026', $options: 'i' } });
      expect(escapeRegex('a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o/p')).to.equal('a\\.b\\*c\\+d\\?e\\^f\\$g\\{h\\}i\\(j\\)k\\|l\\[m\\]n\\\\o\\/p');
      const text = (s: string) => ({ searchText: s });
      const q = (s: string) => caseListFilter(f({ q: s }));
      expect(matches(q('100%'), text('gj-2026-002 停车位 100%满意'))).to.equal(true);
      expect(matches(q('a_b'), text('k-h a_b 物业'))).to.equal(true);
      expect(matches(q('a_b'), text('axb'))).to.equal(false);
      expect(matches(q('.*'), text('anything'))).to.equal(false);
      expect(matches(q('.*'), text('literally .* here'))).to.equal(true);
      expect(matches(q('(x)'), text('a (x) b'))).to.equal(true);
      expect(matches(q('[a]'), text('a'))).to.equal(false);
      expect(matches(q('楼上漏水'), text('k-a 楼上漏水 王某'))).to.equal(true);
      expect(matches(q('漏水'), text('k-b 停车位'))).to.equal(false);
      expect(caseListFilter(f({ q: '   ' }))).to.deep.equal({});
    });

    it('writes a case only at the expected version, replacing the whole record', () => {
      const doc = caseDoc(makeCase({ id: 'c1', version: 4 }));
      expect(caseUpdate('c1', 3, doc)).to.deep.equal({ filter: { _id: 'c1', version: 3 }, replacement: doc });
      expect(caseRestore('c1', 4, 'h4', { _id: 'c1', version: 3 })).to.deep.equal({
        filter: { _id: 'c1', version: 4, lastHash: 'h4' },
        replacement: { _id: 'c1', version: 3 },
      });
      expect(matches(caseUpdate('c1', 3, doc).filter, { _id: 'c1', version: 4 })).to.equal(false);
    });

    it('counts docket numbers with one $inc on an upsert', () => {
      expect(counterInc('b-c1-1', 2026)).to.deep.equal({
        filter: { _id: 'b-c1-1:2026' },
        update: { $inc: { n: 1 }, $setOnInsert: { bodyId: 'b-c1-1', year: 2026 } },
        options: { upsert: true, returnDocument: 'after' },
      });
    });

    it('lists only finished events, after a seq, in order', () => {
      expect(eventList('c1', 5, 10)).to.deep.equal({
        filter: { caseId: 'c1', seq: { $gt: 5 }, _pending: { $exists: false } },
        sort: { seq: 1 },
        limit: 10,
      });
      expect(matches(eventList('c1').filter, { caseId: 'c1', seq: 1, _pending: { since: new Date() } })).to.equal(false);
      expect(eventFinish('c1:2')).to.deep.equal({ filter: { _id: 'c1:2', _pending: { $exists: true } }, update: { $unset: { _pending: '' } } });
    });

    it('claims a timer atomically: the lease condition is in the findOneAndUpdate filter', () => {
      const now = new Date('2026-03-02T01:00:00.000Z');
      const q = timerClaim(now, 'sched-A', 30_000);
      expect(q).to.deep.equal({
        filter: { state: 'pending', dueAt: { $lte: now }, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
        update: { $set: { leaseOwner: 'sched-A', leaseUntil: new Date('2026-03-02T01:00:30.000Z') } },
        options: { sort: { dueAt: 1, _id: 1 }, returnDocument: 'after' },
      });
      const timer = (over: object) => ({ state: 'pending', dueAt: new Date('2026-03-02T00:59:00Z'), leaseUntil: null, ...over });
      expect(matches(q.filter, timer({}))).to.equal(true);
      expect(matches(q.filter, timer({ dueAt: new Date('2026-03-02T01:00:00.001Z') }))).to.equal(false); // not due
      expect(matches(q.filter, timer({ state: 'fired' }))).to.equal(false);
      expect(matches(q.filter, timer({ leaseUntil: now }))).to.equal(false); // lease ends at now: still held
      expect(matches(q.filter, timer({ leaseUntil: new Date(now.getTime() - 1) }))).to.equal(true); // expired
      expect(matches(q.filter, timer({ leaseUntil: undefined }))).to.equal(true); // never leased
      // the winner's update makes the document fail every other claimer's filter until the lease ends
      expect(matches(q.filter, timer({ leaseUntil: q.update.$set.leaseUntil }))).to.equal(false);
      expect(matches(leaseFree(new Date(now.getTime() + 30_001)), { leaseUntil: q.update.$set.leaseUntil })).to.equal(true);
    });

    it('releases, fires and cancels timers only from the state that allows it', () => {
      expect(timerRelease('t1', 'A')).to.deep.equal({
        filter: { _id: 't1', leaseOwner: 'A', state: 'pending' },
        update: { $set: { leaseOwner: null, leaseUntil: null } },
      });
      expect(timerFire('t1', 'c1', T0)).to.deep.equal({
        filter: { _id: 't1', caseId: 'c1', state: 'pending' },
        update: { $set: { state: 'fired', firedAt: T0, leaseOwner: null, leaseUntil: null } },
      });
      expect(timerCancelKinds('c1', ['acceptance', 'follow_up'])).to.deep.equal({
        filter: { caseId: 'c1', state: 'pending', kind: { $in: ['acceptance', 'follow_up'] } },
        update: { $set: { state: 'cancelled', leaseOwner: null, leaseUntil: null } },
      });
      expect(nextDue.unleased.filter).to.deep.equal({ state: 'pending', leaseUntil: null });
      expect(matches(nextDue.leased.filter, { state: 'pending', leaseUntil: new Date() })).to.equal(true);
      expect(matches(nextDue.leased.filter, { state: 'pending', leaseUntil: null })).to.equal(false);
    });

    it('claims the outbox in delivery order under a token, re-checking each lease', () => {
      const now = new Date('2026-03-02T01:00:00.000Z');
      expect(outboxCandidates(now, 50)).to.deep.equal({
        filter: { doneAt: null, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }], topic: { $not: { $regex: '^webhook:' } } },
        sort: { pos: 1 },
        limit: 50,
        projection: { _id: 1, topic: 1, caseId: 1, pos: 1 },
      });
      // the webhook lane: its own topics, and (in store.ts) in order per (topic, case)
      expect(outboxCandidates(now, 50, 'webhook').filter.topic).to.deep.equal({ $regex: '^webhook:' });
      const live = { doneAt: null, leaseUntil: null, topic: 'case:updated' };
      const hook = { doneAt: null, leaseUntil: null, topic: 'webhook:s1' };
      expect([matches(outboxCandidates(now, 1).filter, live), matches(outboxCandidates(now, 1).filter, hook)]).to.deep.equal([true, false]);
      expect([matches(outboxCandidates(now, 1, 'webhook').filter, live), matches(outboxCandidates(now, 1, 'webhook').filter, hook)]).to.deep.equal([false, true]);
      expect(outboxEarlier({ topic: 'webhook:s1', caseId: 'c1', pos: 7 }).filter).to.deep.equal({ doneAt: null, topic: 'webhook:s1', caseId: 'c1', pos: { $lt: 7 } });
      expect(outboxLease(['o1', 'o2'], now, 'relay-A', 'tok', 5_000)).to.deep.equal({
        filter: { _id: { $in: ['o1', 'o2'] }, doneAt: null, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
        update: { $set: { leaseOwner: 'relay-A', leaseUntil: new Date('2026-03-02T01:00:05.000Z'), leaseToken: 'tok' } },
      });
      expect(outboxWon(['o1', 'o2'], 'tok')).to.deep.equal({ filter: { _id: { $in: ['o1', 'o2'] }, leaseToken: 'tok' }, sort: { pos: 1 } });
      expect(outboxDone(['o1'], now)).to.deep.equal({
        filter: { _id: { $in: ['o1'] }, doneAt: null },
        update: { $set: { doneAt: now, leaseOwner: null, leaseUntil: null, leaseToken: null } },
      });
    });

    it('builds the oversight facets as one $facet of $group sums over the facts, in scope', () => {
      const pipeline = oversightFacets({ bodyIds: ['b1'], from: '2026-03-01T00:00:00+08:00', compoundId: 'k1' }, { all: [], byMonth: ['month', 'status'] });
      const sums = Object.fromEntries(
        ['settled', 'within', 'failed', 'cc', 'cf', 'cp', 'cn', 'visits', 's1', 's2', 's3', 's4', 's5', 'overdue', 'red', 'rec', 'fen', 'written', 'oral', 'people', 'hh', 'ca', 'conf', 'cr', 'pc', 'pm'].map((k) => [
          k,
          { $sum: `$_f.${k}` },
        ]),
      );
      expect(pipeline).to.deep.equal([
        { $match: { bodyId: { $in: ['b1'] }, '_f.registeredAt': { $exists: true, $gte: new Date('2026-02-28T16:00:00.000Z') }, compoundId: 'k1' } },
        {
          $facet: {
            all: [{ $group: { _id: null, cases: { $sum: 1 }, ...sums } }],
            byMonth: [{ $group: { _id: { d0: '$_f.month', d1: '$status' }, cases: { $sum: 1 }, ...sums } }],
          },
        },
      ]);
      expect(() => oversightFacets({}, { x: ['nope' as never] })).to.throw(/unknown oversight dimension/);
      expect(oversightScope({})).to.deep.equal({ '_f.registeredAt': { $exists: true } }); // cases without facts are not counted
      expect(matches(oversightScope({ bodyIds: [] }), { bodyId: 'b1', _f: { registeredAt: new Date() } })).to.equal(false);
    });

    it('derives flat facts for oversight queries, and keys a case from another system uniquely', () => {
      const rec = makeCase({ warning: 'red' });
      expect(caseDoc(rec)).to.not.have.property('_f'); // no facts, no projection
      const withFacts = {
        ...rec,
        oversight: {
          v: 1, registeredAt: T0, month: '2026-03', source: { system: ' 12345 ', ref: 'GD-7' }, settled: true, settledAt: T0, settledTier: 'community' as const,
          daysToSettle: 4, failed: false, clauses: { total: 2, checked: 2, full: 1, partial: 1, none: 0 }, visits: 1, satisfaction: [0, 0, 0, 1, 0] as [number, number, number, number, number],
          everOverdue: false, keys: ['c:x'], relatedCases: [{ id: 'a', caseNo: 'A', registeredAt: T0, reasons: ['party' as const] }], companies: [], ledger: {},
        },
      };
      const f = factsOf(withFacts)!;
      expect(f).to.deep.include({ settled: 1, within: 1, daysToSettle: 4, cc: 2, cf: 1, cp: 1, s4: 1, red: 1, rec: 1, v: 1, source: '["12345","GD-7"]' });
      // issue 16 §4: nothing on the ledger line, nothing counted (null codes group alike)
      expect(f).to.deep.include({ intakeMode: null, orgType: null, fen: 0, written: 0, oral: 0, people: 0, hh: 0, ca: 0, conf: 0, cr: 0, pc: 0, pm: 0 });
      const counted = factsOf({
        ...withFacts,
        oversight: {
          ...withFacts.oversight,
          ledger: { intakeMode: 'grid', orgType: 'professional', agreementForm: 'oral', agreementAmount: 10.05, people: 4, households: 2, confirmation: 'refused', preventsCriminal: false, preventsMass: true },
        },
      })!;
      expect(counted).to.deep.include({ intakeMode: 'grid', orgType: 'professional', fen: 1005, written: 0, oral: 1, people: 4, hh: 2, ca: 1, conf: 0, cr: 1, pc: 0, pm: 1 });
      expect(f.registeredAt).to.be.instanceOf(Date);
      expect(caseOf(caseDoc(withFacts))).to.deep.equal(withFacts); // `_f` never reaches a caller
      expect(projectFacts('c1', 3, withFacts.oversight, f).filter).to.deep.equal({ _id: 'c1', version: 3 });
    });

    it('patches users with $set of the defined fields, and revokes a session once', () => {
      expect(userPatch({ id: 'x', failedLogins: 3, lockedUntil: null, name: undefined })).to.deep.equal({
        $set: { failedLogins: 3, lockedUntil: null },
      });
      expect(sessionRevoke('tok', T0)).to.deep.equal({ filter: { _id: 'tok', revokedAt: null }, update: { $set: { revokedAt: T0 } } });
      expect(matches(sessionRevoke('tok', T0).filter, { _id: 'tok' })).to.equal(true);
      expect(matches(sessionRevoke('tok', T0).filter, { _id: 'tok', revokedAt: T0 })).to.equal(false);
    });
  });

  describe('commits, errors and the deployment', () => {
    it('checks a commit before writing anything', () => {
      const v1 = makeCase();
      expect(() => checkCommit(intake(v1))).to.not.throw();
      const bad = next(v1);
      bad.event = makeEvent(v1.id, 5);
      expect(() => checkCommit(bad)).to.throw(/event seq 5 must follow version 1/);
    });

    it('recognises duplicate-key errors and the index they name', () => {
      const dup = Object.assign(new Error('E11000 duplicate key error collection: db.cases index: caseNo_unique dup key: { caseNo: "x" }'), { code: 11000 });
      expect(isDuplicateKey(dup)).to.equal(true);
      expect(duplicateFields(dup)).to.deep.equal(['caseNo']);
      expect(duplicateFields({ code: 11000, keyPattern: { caseId: 1, seq: 1 } })).to.deep.equal(['caseId', 'seq']);
      expect(duplicateFields({ code: 11000, message: 'E11000 duplicate key error collection: db.cases index: _id_ dup key' })).to.deep.equal(['_id']);
      expect(isDuplicateKey({ code: 112 })).to.equal(false); // a write conflict is not a duplicate
    });

    it('commits with transactions on a replica set or a sharded cluster, not on a standalone server', () => {
      expect(supportsTransactions({ setName: 'rs0' })).to.equal(true);
      expect(supportsTransactions({ msg: 'isdbgrid' })).to.equal(true);
      expect(supportsTransactions({})).to.equal(false);
    });

    it('needs a uri or a connection, and fails loudly before init', async () => {
      expect(() => createMongoStore({})).to.throw(/uri or a connection/);
      const store = createMongoStore({ uri: 'mongodb://127.0.0.1:1/never' });
      expect(store.kind).to.equal('mongo');
      let err: unknown;
      try {
        await store.cases.count();
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/init\(\) first/);
      await store.close(); // closing what never opened is fine
    });

    it('is what server/store/open.ts opens when MONGODB_URI is set (without connecting until init)', async () => {
      const config = loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:1/mediation' });
      const store = await openStore(config);
      expect(store.kind).to.equal('mongo');
      await store.close();
    });
  });
});
