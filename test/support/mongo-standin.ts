// FOR TESTS ONLY — an in-memory stand-in for the driver collection calls the MongoDB adapter makes
// (commit.ts `Coll`). It is NOT MongoDB and proves nothing about MongoDB itself: it lets the adapter's
// own logic (commit steps, undo and repair, leases, error mapping, the codec) run the shared store
// contract on a machine without a MongoDB server. The contract against a real server runs with
// `MONGODB_URI=… npm run test:mongo`.
//
// What it does like MongoDB: filters with sift (the query matcher mongoose itself depends on, which
// follows MongoDB's semantics for the operators used here), sorts in BSON type order, $set / $unset /
// $inc / $setOnInsert, upserts, unique indexes (taken from schemas.ts, so a missing index fails the
// contract here too) with E11000 errors carrying keyPattern / keyValue, findOneAnd* returning the
// document before or after. Each call is atomic; calls interleave at their awaits.
// What it does not: transactions are serialised (one at a time, rolled back from an undo log; their
// writes are visible to calls outside them before commit), no write conflicts, no TTL, no
// collations, no network.
import { createRequire } from 'node:module';
import mongoose from 'mongoose';
import type { Doc } from '../../server/store/mongo/codec.ts';
import type { Coll, Colls, Opts, Session } from '../../server/store/mongo/commit.ts';
import { type MongoBackend, type MongoStore, type MongoStoreTuning, createMongoStoreOn } from '../../server/store/mongo/index.ts';
import { COLLECTION_NAMES, type CollectionName, uniqueIndexes } from '../../server/store/mongo/schemas.ts';

type Matcher = (doc: unknown) => boolean;
// sift is a dependency of mongoose, resolved from mongoose's own folder
const siftModule = createRequire(createRequire(import.meta.url).resolve('mongoose'))('sift') as {
  default?: (q: unknown) => Matcher;
};
const sift = (siftModule.default ?? (siftModule as unknown as (q: unknown) => Matcher)) as (q: unknown) => Matcher;

const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** Deep copy of what a document holds: plain objects and arrays copied, dates copied, other objects
 * (ObjectId) shared — they are immutable. */
function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
  return v;
}

const idKey = (id: unknown): string =>
  id instanceof mongoose.mongo.ObjectId ? `o:${id.toHexString()}` : `${typeof id}:${JSON.stringify(id)}`;

function rank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 5;
  if (v instanceof mongoose.mongo.ObjectId) return 7;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  return 4;
}

/** MongoDB's order of values (no collation). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (a instanceof mongoose.mongo.ObjectId) return compareValues(a.toHexString(), (b as typeof a).toHexString());
  if (typeof a === 'string' && typeof b === 'string') {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return Buffer.compare(x, y);
  }
  return compareValues(JSON.stringify(a), JSON.stringify(b));
}

const getPath = (doc: Doc, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string, unknown>)[k]), doc);

function setPath(doc: Doc, path: string, value: unknown): void {
  const keys = path.split('.');
  let at: Record<string, unknown> = doc;
  for (const k of keys.slice(0, -1)) {
    if (!isPlain(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = clone(value);
}

function unsetPath(doc: Doc, path: string): void {
  const keys = path.split('.');
  const parent = getPath(doc, keys.slice(0, -1).join('.')) ?? (keys.length === 1 ? doc : undefined);
  if (isPlain(parent)) delete parent[keys[keys.length - 1]];
}

function applyUpdate(doc: Doc, update: Doc, inserting: boolean): Doc {
  const out = clone(doc);
  for (const [op, fields] of Object.entries(update)) {
    if (!op.startsWith('$')) throw new Error(`stand-in: update document must use operators, got ${op}`);
    for (const [path, v] of Object.entries(fields as Doc)) {
      if (path === '_id' && op !== '$setOnInsert') throw new Error("stand-in: Performing an update on the path '_id' would modify the immutable field '_id'");
      switch (op) {
        case '$set':
          setPath(out, path, v);
          break;
        case '$unset':
          unsetPath(out, path);
          break;
        case '$inc':
          setPath(out, path, ((getPath(out, path) as number | undefined) ?? 0) + (v as number));
          break;
        case '$setOnInsert':
          if (inserting) setPath(out, path, v);
          break;
        default:
          throw new Error(`stand-in: update operator ${op} is not supported`);
      }
    }
  }
  return out;
}

/** The document an upsert starts from: the filter's plain equality fields. */
function seedOf(filter: Doc): Doc {
  const seed: Doc = {};
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith('$')) continue;
    if (isPlain(v) && Object.keys(v).some((x) => x.startsWith('$'))) continue;
    setPath(seed, k, v);
  }
  return seed;
}

function sortDocs(docs: Doc[], sort?: Record<string, 1 | -1>): Doc[] {
  if (!sort) return docs;
  const keys = Object.entries(sort);
  return [...docs].sort((a, b) => {
    for (const [k, dir] of keys) {
      const c = compareValues(getPath(a, k), getPath(b, k));
      if (c !== 0) return c * dir;
    }
    return 0;
  });
}

function project(doc: Doc, projection?: Record<string, 0 | 1>): Doc {
  if (!projection || Object.values(projection).every((v) => v === 0)) {
    const out = clone(doc);
    for (const [k, v] of Object.entries(projection ?? {})) if (v === 0) unsetPath(out, k);
    return out;
  }
  const out: Doc = { _id: clone(doc._id) };
  for (const [k, v] of Object.entries(projection)) {
    const x = getPath(doc, k);
    if (v === 1 && x !== undefined) setPath(out, k, x);
  }
  if (projection._id === 0) delete out._id;
  return out;
}

/** An aggregation expression: a `$path`, a literal, or an object of expressions. */
function evaluate(expr: unknown, doc: Doc): unknown {
  if (typeof expr === 'string' && expr.startsWith('$')) return getPath(doc, expr.slice(1)) ?? null;
  if (isPlain(expr)) {
    if (Object.keys(expr).some((k) => k.startsWith('$'))) throw new Error(`stand-in: expression ${Object.keys(expr)[0]} is not supported`);
    return Object.fromEntries(Object.entries(expr).map(([k, v]) => [k, evaluate(v, doc)]));
  }
  return expr;
}

/** The aggregation stages the adapter uses: $match, $facet, $group (with $sum), $sort, $limit. */
function runPipeline(docs: Doc[], pipeline: Doc[]): Doc[] {
  let out = docs;
  for (const stage of pipeline) {
    const [op, arg] = Object.entries(stage)[0];
    switch (op) {
      case '$match': {
        const m = sift(arg);
        out = out.filter((d) => m(d));
        break;
      }
      case '$facet':
        out = [Object.fromEntries(Object.entries(arg as Doc).map(([name, sub]) => [name, runPipeline(out, sub as Doc[])]))];
        break;
      case '$group': {
        const { _id: idExpr, ...accs } = arg as Doc;
        const groups = new Map<string, Doc>();
        for (const d of out) {
          const id = evaluate(idExpr, d);
          const key = JSON.stringify(id);
          const g = groups.get(key) ?? { _id: id, ...Object.fromEntries(Object.keys(accs).map((k) => [k, 0])) };
          for (const [k, acc] of Object.entries(accs)) {
            const [accOp, accArg] = Object.entries(acc as Doc)[0];
            if (accOp !== '$sum') throw new Error(`stand-in: accumulator ${accOp} is not supported`);
            const v = evaluate(accArg, d);
            g[k] += typeof v === 'number' ? v : 0;
          }
          groups.set(key, g);
        }
        out = [...groups.values()];
        break;
      }
      case '$sort':
        out = sortDocs(out, arg as Record<string, 1 | -1>);
        break;
      case '$limit':
        out = out.slice(0, arg as number);
        break;
      default:
        throw new Error(`stand-in: stage ${op} is not supported`);
    }
  }
  return out;
}

interface StandinSession {
  active: boolean;
  undo: Array<() => void>;
}

export class StandinError extends Error {
  constructor(
    message: string,
    readonly code?: number,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code === undefined ? 'Error' : 'MongoServerError';
    Object.assign(this, extra);
  }
}

/** A fault the test injects: called before each operation; an Error returned is thrown by it. */
export type Fault = (collection: CollectionName, op: string, args: unknown[]) => Error | undefined;

class StandinCollection implements Coll {
  readonly docs = new Map<string, Doc>();
  constructor(
    private readonly db: StandinMongo,
    readonly name: CollectionName,
    private readonly unique: Array<{ fields: string[]; partial?: Record<string, unknown> }>,
  ) {}

  private check(op: string, args: unknown[]): void {
    const err = this.db.fault?.(this.name, op, args);
    if (err) throw err;
  }

  private matching(filter: Doc): Doc[] {
    const m = sift(filter);
    return [...this.docs.values()].filter((d) => m(d));
  }

  private log(opts: Opts | undefined, undo: () => void): void {
    const s = opts?.session as unknown as StandinSession | undefined;
    if (s?.active) s.undo.push(undo);
  }

  /** Writes `doc` in place of `prev` (undefined: a new document), enforcing the unique indexes. */
  private write(doc: Doc, prev: Doc | undefined, opts?: Opts): void {
    if (doc._id === undefined) doc._id = new mongoose.mongo.ObjectId();
    const key = idKey(doc._id);
    for (const { fields, partial } of this.unique) {
      const covered = partial ? sift(partial) : () => true;
      if (!covered(doc)) continue;
      const values = fields.map((f) => getPath(doc, f) ?? null);
      for (const [k, other] of this.docs) {
        if (prev !== undefined && k === idKey(prev._id)) continue;
        if (!covered(other)) continue;
        if (fields.every((f, i) => compareValues(getPath(other, f) ?? null, values[i]) === 0)) {
          const keyPattern = Object.fromEntries(fields.map((f) => [f, 1]));
          const keyValue = Object.fromEntries(fields.map((f, i) => [f, values[i]]));
          const index = fields.join('_') === '_id' ? '_id_' : fields.join('_');
          throw new StandinError(
            `E11000 duplicate key error collection: standin.${this.name} index: ${index} dup key: ${JSON.stringify(keyValue)}`,
            11000,
            { keyPattern, keyValue },
          );
        }
      }
    }
    const stored = clone(doc);
    this.docs.set(key, stored);
    this.log(opts, () => {
      if (prev === undefined) this.docs.delete(key);
      else this.docs.set(key, prev);
    });
  }

  async insertOne(doc: Doc, opts?: Opts) {
    this.check('insertOne', [doc]);
    const d = clone(doc);
    this.write(d, undefined, opts);
    return { acknowledged: true, insertedId: d._id };
  }

  async insertMany(docs: Doc[], opts?: Opts) {
    for (const d of docs) await this.insertOne(d, opts);
    return { acknowledged: true, insertedCount: docs.length };
  }

  async findOne(filter: Doc, opts?: Opts) {
    this.check('findOne', [filter]);
    const [first] = sortDocs(this.matching(filter), opts?.sort);
    return first ? project(first, opts?.projection) : null;
  }

  find(filter: Doc, opts?: Opts) {
    const toArray = async () => {
      this.check('find', [filter]);
      let docs = sortDocs(this.matching(filter), opts?.sort);
      if (opts?.skip) docs = docs.slice(opts.skip);
      if (opts?.limit) docs = docs.slice(0, opts.limit);
      return docs.map((d) => project(d, opts?.projection));
    };
    return {
      toArray,
      async *[Symbol.asyncIterator]() {
        yield* await toArray();
      },
    };
  }

  aggregate(pipeline: Doc[]) {
    return {
      toArray: async () => {
        this.check('aggregate', [pipeline]);
        return runPipeline([...this.docs.values()], pipeline).map(clone);
      },
    };
  }

  async countDocuments(filter: Doc) {
    this.check('countDocuments', [filter]);
    return this.matching(filter).length;
  }

  private updateFirst(filter: Doc, change: (d: Doc, inserting: boolean) => Doc, opts?: Opts) {
    const [prev] = sortDocs(this.matching(filter), opts?.sort);
    if (prev) {
      const next = change(prev, false);
      if (idKey(next._id) !== idKey(prev._id)) throw new StandinError("the (immutable) field '_id' was found to have been altered", 66);
      this.write(next, prev, opts);
      return { prev, next, upserted: false };
    }
    if (!opts?.upsert) return { prev: null, next: null, upserted: false };
    const next = change(seedOf(filter), true);
    this.write(next, undefined, opts);
    return { prev: null, next, upserted: true };
  }

  private static replacing(replacement: Doc) {
    if (Object.keys(replacement).some((k) => k.startsWith('$'))) throw new Error('stand-in: a replacement must not use update operators');
    return (d: Doc) => ({ ...clone(replacement), _id: replacement._id ?? d._id });
  }

  async updateOne(filter: Doc, update: Doc, opts?: Opts) {
    this.check('updateOne', [filter, update]);
    const r = this.updateFirst(filter, (d, ins) => applyUpdate(d, update, ins), opts);
    return { matchedCount: r.prev ? 1 : 0, modifiedCount: r.prev ? 1 : 0, upsertedCount: r.upserted ? 1 : 0 };
  }

  async updateMany(filter: Doc, update: Doc, opts?: Opts) {
    this.check('updateMany', [filter, update]);
    const hits = this.matching(filter);
    for (const prev of hits) this.write(applyUpdate(prev, update, false), prev, opts);
    return { matchedCount: hits.length, modifiedCount: hits.length };
  }

  async replaceOne(filter: Doc, replacement: Doc, opts?: Opts) {
    this.check('replaceOne', [filter, replacement]);
    const r = this.updateFirst(filter, StandinCollection.replacing(replacement), opts);
    return { matchedCount: r.prev ? 1 : 0, modifiedCount: r.prev ? 1 : 0, upsertedCount: r.upserted ? 1 : 0 };
  }

  async findOneAndUpdate(filter: Doc, update: Doc, opts?: Opts) {
    this.check('findOneAndUpdate', [filter, update]);
    const r = this.updateFirst(filter, (d, ins) => applyUpdate(d, update, ins), opts);
    const out = opts?.returnDocument === 'after' ? r.next : r.prev;
    return out ? clone(out) : null;
  }

  async findOneAndReplace(filter: Doc, replacement: Doc, opts?: Opts) {
    this.check('findOneAndReplace', [filter, replacement]);
    const r = this.updateFirst(filter, StandinCollection.replacing(replacement), opts);
    const out = opts?.returnDocument === 'after' ? r.next : r.prev;
    return out ? clone(out) : null;
  }

  async deleteOne(filter: Doc, opts?: Opts) {
    this.check('deleteOne', [filter]);
    const [hit] = this.matching(filter);
    if (!hit) return { deletedCount: 0 };
    this.docs.delete(idKey(hit._id));
    this.log(opts, () => this.docs.set(idKey(hit._id), hit));
    return { deletedCount: 1 };
  }

  async deleteMany(filter: Doc, opts?: Opts) {
    this.check('deleteMany', [filter]);
    const hits = this.matching(filter);
    for (const hit of hits) {
      this.docs.delete(idKey(hit._id));
      this.log(opts, () => this.docs.set(idKey(hit._id), hit));
    }
    return { deletedCount: hits.length };
  }
}

/** One in-memory database. Keep the instance to reopen stores on the same data. */
export class StandinMongo {
  readonly collections: Record<CollectionName, StandinCollection>;
  fault: Fault | undefined;
  private txQueue: Promise<void> = Promise.resolve();

  constructor(readonly opts: { transactions?: boolean } = {}) {
    this.collections = {} as Record<CollectionName, StandinCollection>;
    for (const name of COLLECTION_NAMES) this.collections[name] = new StandinCollection(this, name, uniqueIndexes(name));
  }

  /** A plain copy of every document of a collection, in insertion order. */
  dump(name: CollectionName): Doc[] {
    return [...this.collections[name].docs.values()].map(clone);
  }

  private startSession(): Session {
    const s: StandinSession & { withTransaction: unknown; endSession: unknown } = {
      active: false,
      undo: [],
      withTransaction: async <T>(fn: (s: Session) => Promise<T>): Promise<T> => {
        // one transaction at a time: a stand-in for isolation, not a model of it
        let release!: () => void;
        const turn = this.txQueue;
        this.txQueue = new Promise<void>((r) => (release = r));
        await turn;
        s.active = true;
        s.undo = [];
        try {
          const out = await fn(s as unknown as Session);
          return out;
        } catch (e) {
          for (const u of s.undo.reverse()) u();
          throw e;
        } finally {
          s.active = false;
          s.undo = [];
          release();
        }
      },
      endSession: async () => {},
    };
    return s as unknown as Session;
  }

  backend(): MongoBackend {
    return {
      colls: this.collections as unknown as Colls,
      transactions: this.opts.transactions ?? false,
      startSession: () => this.startSession(),
      newId: () => new mongoose.mongo.ObjectId(),
      close: async () => {},
    };
  }
}

/** A store on a stand-in database (a fresh one unless given). */
export function createStandinStore(
  db = new StandinMongo(),
  tuning: MongoStoreTuning = {},
): MongoStore & { standin: StandinMongo } {
  return Object.assign(createMongoStoreOn(async () => db.backend(), tuning), { standin: db });
}
