// The MongoDB store as a transfer side (server/store/transfer.ts): whole collections read in their
// canonical order and written in bulk, through the same codec as the adapter.
//
// Reads are not one snapshot (MongoDB offers none across collections outside a transaction): export
// or migrate with the app stopped. An event whose standalone commit is still pending is not part of
// the store yet and is left out.
import mongoose from 'mongoose';
import type { PortableName, PortableRecords, TransferSide } from '../transfer.ts';
import {
  type Doc,
  auditDoc,
  auditOf,
  bodyDoc,
  bodyOf,
  caseDoc,
  caseOf,
  documentDoc,
  documentOf,
  eventDoc,
  eventOf,
  idempotencyDoc,
  idempotencyOf,
  isoOf,
  nextPos,
  orgUnitDoc,
  orgUnitOf,
  outboxDoc,
  outboxOf,
  sessionDoc,
  sessionOf,
  settingDoc,
  timerDoc,
  timerOf,
  toDate,
  userDoc,
  userOf,
} from './codec.ts';
import type { MongoStore } from './index.ts';
import { factsSeqTake } from './queries.ts';

type Sort = Record<string, 1 | -1>;

interface Mapping<K extends PortableName> {
  filter?: Doc;
  sort: Sort;
  out(doc: Doc): PortableRecords[K];
  in(r: PortableRecords[K]): Doc;
}

const MAPPINGS: { [K in PortableName]: Mapping<K> } = {
  settings: { sort: { _id: 1 }, out: (d) => ({ key: d._id, value: d.value ?? null }), in: (r) => settingDoc(r.key, r.value) },
  orgUnits: { sort: { _id: 1 }, out: orgUnitOf, in: orgUnitDoc },
  bodies: { sort: { _id: 1 }, out: bodyOf, in: bodyDoc },
  users: { sort: { _id: 1 }, out: userOf, in: userDoc },
  sessions: { sort: { _id: 1 }, out: sessionOf, in: sessionDoc },
  counters: {
    filter: { bodyId: { $exists: true } }, // docket counters only: the facts change number is the target's own
    sort: { bodyId: 1, year: 1 },
    out: (d) => ({ bodyId: d.bodyId, year: d.year, n: d.n }),
    in: (r) => ({ _id: `${r.bodyId}:${r.year}`, bodyId: r.bodyId, year: r.year, n: r.n }),
  },
  cases: { sort: { _id: 1 }, out: caseOf, in: caseDoc },
  events: { filter: { _pending: { $exists: false } }, sort: { caseId: 1, seq: 1 }, out: eventOf, in: eventDoc },
  timers: { sort: { _id: 1 }, out: timerOf, in: (t) => timerDoc(t, t.caseId) },
  outbox: {
    sort: { pos: 1, _id: 1 },
    out: (d) => ({ ...outboxOf(d), doneAt: isoOf(d.doneAt), leaseOwner: d.leaseOwner ?? null, leaseUntil: isoOf(d.leaseUntil) }),
    in: (o) => ({
      ...outboxDoc(o, o.caseId, nextPos()), // written in delivery order: positions keep it
      doneAt: o.doneAt ? toDate(o.doneAt, 'outbox.doneAt') : null,
      leaseOwner: o.leaseOwner ?? null,
      leaseUntil: o.leaseUntil ? toDate(o.leaseUntil, 'outbox.leaseUntil') : null,
    }),
  },
  documents: { sort: { _id: 1 }, out: documentOf, in: documentDoc },
  audit: { sort: { at: 1, pos: 1, _id: 1 }, out: auditOf, in: (e) => auditDoc(e, new mongoose.mongo.ObjectId(), nextPos()) },
  idempotency: { sort: { _id: 1 }, out: idempotencyOf, in: idempotencyDoc },
};

/** An initialised MongoDB store as a transfer side; close() closes the store. */
export function mongoSide(store: MongoStore): TransferSide {
  const coll = (name: PortableName) => store.collections()[name];
  return {
    kind: 'mongo',
    store,
    async *read<K extends PortableName>(name: K): AsyncIterable<PortableRecords[K]> {
      const m = MAPPINGS[name] as unknown as Mapping<K>;
      // a cursor: the driver fetches in batches, so a large collection is never held in memory whole
      for await (const d of coll(name).find(m.filter ?? {}, { sort: m.sort, allowDiskUse: true })) yield m.out(d);
    },
    async write<K extends PortableName>(name: K, records: Array<PortableRecords[K]>) {
      const m = MAPPINGS[name] as unknown as Mapping<K>;
      if (records.length === 0) return;
      const docs = records.map((r) => m.in(r));
      if (name === 'cases') {
        // oversight facts get change numbers here, as a commit would give them (factsSince)
        const withFacts = docs.filter((d) => d._f);
        if (withFacts.length) {
          const q = factsSeqTake(withFacts.length);
          const last = (await store.collections().counters.findOneAndUpdate(q.filter, q.update, q.options))!.n as number;
          withFacts.forEach((d, i) => (d._f.seq = last - withFacts.length + 1 + i));
        }
      }
      await coll(name).insertMany(docs, { ordered: true });
    },
    count: (name) => coll(name).countDocuments(MAPPINGS[name].filter ?? {}),
    close: () => store.close(),
  };
}
