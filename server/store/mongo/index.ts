// The MongoDB adapter of the storage port (mongoose 9). Selected by server/store/open.ts when MONGODB_URI
// is set. It opens its own connection (mongoose.createConnection, never the global one), registers the
// models of schemas.ts, builds their indexes, and asks the server what it is: a replica set or a
// sharded cluster commits with multi-document transactions, a standalone server with the documented
// safe path of commit.ts. docs/deploy.md describes the replica set to run in production.
import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { Store } from '../port.ts';
import { ALL_FEATURES, type Coll, type CommitContext, type Colls, type ServerFeatures, type Session, repairPending } from './commit.ts';
import { COLLECTION_NAMES, type Models, TIMER_CLAIMS, collectionOf, modelsOn } from './schemas.ts';
import { mongoAreas } from './store.ts';

export interface MongoStoreOptions {
  /** mongodb:// or mongodb+srv:// (the database in its path is used unless dbName is given) */
  uri?: string;
  dbName?: string;
  /** an open or opening mongoose connection to use instead of the uri; close() leaves it open */
  connection?: Connection;
  /** 'auto' (default): transactions when the server is a replica set or a sharded cluster */
  transactions?: 'auto' | 'on' | 'off';
  /** a standalone commit still pending after this long is repaired (default 120 000 ms) */
  repairAfterMs?: number;
  /** how many cases of one group commit are written at a time (default 16) */
  lanes?: number;
  /** build the schemas' indexes at init (default true; idempotent) */
  ensureIndexes?: boolean;
  serverSelectionTimeoutMS?: number;
}

export type CommitMode = 'transactions' | 'standalone';

/** The port, plus what operations and the migration need. */
export interface MongoStore extends Store {
  readonly kind: 'mongo';
  /** how commits run, decided at init from the deployment */
  mode(): CommitMode;
  /** finishes (rolls back or forward) standalone commits that died half-way; returns how many */
  repairPending(olderThanMs?: number): Promise<number>;
  /** the driver collections under the models (migration, export); only while open */
  collections(): Colls;
}

/** What an open adapter runs on. createMongoStore opens one on a mongoose connection; tests may
 * open one on something else that answers the same driver calls. */
export interface MongoBackend {
  colls: Colls;
  transactions: boolean;
  /** what the server lacks (FerretDB); every feature when not given */
  features?: ServerFeatures;
  /** the timer claims (CommitContext.claims), where updates are not atomic */
  claims?: Coll;
  startSession(): Session;
  newId(): unknown;
  close(): Promise<void>;
}

export interface MongoStoreTuning {
  repairAfterMs?: number;
  lanes?: number;
}

/** Is this deployment able to run multi-document transactions? (`hello`: a replica set member
 * reports setName, a mongos reports msg "isdbgrid"; a standalone server neither.) */
export function supportsTransactions(hello: { setName?: unknown; msg?: unknown }): boolean {
  return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
}

/** The adapter over a backend opened at init. */
export function createMongoStoreOn(open: () => Promise<MongoBackend>, tuning: MongoStoreTuning = {}): MongoStore {
  let backend: MongoBackend | null = null;
  let ctx: CommitContext | null = null;
  const open_ = (): CommitContext => {
    if (!ctx) throw new Error('mongo store is not open: call init() first');
    return ctx;
  };
  const areas = mongoAreas(open_, () => backend!.newId());

  return {
    kind: 'mongo',
    async init() {
      if (backend) return;
      const b = await open();
      const c: CommitContext = {
        colls: b.colls,
        startSession: b.transactions ? () => b.startSession() : null,
        repairAfterMs: tuning.repairAfterMs ?? 120_000,
        lanes: Math.max(1, tuning.lanes ?? 16),
        features: b.features ?? ALL_FEATURES,
        ...(b.claims ? { claims: b.claims } : {}),
      };
      try {
        await repairPending(c); // commits a previous run left half-way (standalone only; cheap otherwise)
      } catch (e) {
        await b.close();
        throw e;
      }
      backend = b;
      ctx = c;
    },
    async close() {
      const b = backend;
      backend = null;
      ctx = null;
      await b?.close();
    },
    mode: () => (open_().startSession ? 'transactions' : 'standalone'),
    repairPending: (olderThanMs?: number) => repairPending(open_(), olderThanMs),
    collections: () => open_().colls,
    ...areas,
  };
}

/** The server answered that it does not implement this (FerretDB: code 238 NotImplemented). */
const notImplemented = (e: unknown): boolean => (e as { code?: unknown })?.code === 238 || /not implemented/i.test(String((e as Error)?.message));

/** Registers the models on `conn` and builds their collections and indexes. A TTL index the server
 * refuses (FerretDB 1.x) is built without its expiry, and `ttl` says so. */
export async function ensureSchema(conn: Connection): Promise<{ models: Models; ttl: boolean }> {
  const models = modelsOn(conn);
  let ttl = true;
  for (const name of COLLECTION_NAMES) {
    await models[name].createCollection(); // exists already: fine; transactions need it to exist first
    for (const [fields, opts] of models[name].schema.indexes()) {
      const options = (opts ?? {}) as mongoose.mongo.CreateIndexesOptions; // our schemas use plain options only
      try {
        await models[name].collection.createIndex(fields as Record<string, 1 | -1>, options);
      } catch (e) {
        if (options.expireAfterSeconds === undefined || !notImplemented(e)) throw e;
        const { expireAfterSeconds: _ignored, ...rest } = options;
        await models[name].collection.createIndex(fields as Record<string, 1 | -1>, rest);
        ttl = false;
      }
    }
  }
  return { models, ttl };
}

/** Can this server run the $facet stage? Asked once at start, on an empty pipeline of a collection. */
async function canFacet(db: NonNullable<Connection['db']>): Promise<boolean> {
  try {
    await db.collection(collectionOf('settings')).aggregate([{ $limit: 1 }, { $facet: { probe: [{ $count: 'n' }] } }]).toArray();
    return true;
  } catch (e) {
    if (notImplemented(e)) return false;
    throw e;
  }
}

export function createMongoStore(opts: MongoStoreOptions): MongoStore {
  if (!opts.connection && !opts.uri) throw new Error('createMongoStore needs a uri or a connection');
  return createMongoStoreOn(async () => {
    const owned = !opts.connection;
    const conn =
      opts.connection ??
      mongoose.createConnection(opts.uri!, {
        dbName: opts.dbName,
        autoIndex: false,
        autoCreate: false,
        serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 10_000,
        // an acknowledged commit is in the journal (with w=majority from the server's default on a
        // replica set, on a majority of members)
        journal: true,
      });
    try {
      await conn.asPromise();
      let ttl = true;
      if (opts.ensureIndexes !== false) ({ ttl } = await ensureSchema(conn));
      else modelsOn(conn);
      const db = conn.db!;
      // FerretDB says so in buildInfo; its updates are not atomic (ServerFeatures.atomicUpdates)
      const build = (await db.command({ buildInfo: 1 })) as { ferretdbVersion?: string };
      const features: ServerFeatures = { facet: await canFacet(db), ttl, atomicUpdates: build.ferretdbVersion === undefined };
      const hello = (await db.command({ hello: 1 })) as { setName?: string; msg?: string };
      const mode = opts.transactions ?? 'auto';
      const transactions = mode === 'on' || (mode === 'auto' && supportsTransactions(hello));
      const colls = {} as Colls;
      for (const name of COLLECTION_NAMES) colls[name] = db.collection(collectionOf(name)) as unknown as Coll;
      const client = conn.getClient();
      return {
        colls,
        transactions,
        features,
        ...(features.atomicUpdates ? {} : { claims: db.collection(TIMER_CLAIMS) as unknown as Coll }),
        startSession: () => client.startSession(),
        newId: () => new mongoose.mongo.ObjectId(),
        close: async () => {
          if (owned) await conn.close();
        },
      };
    } catch (e) {
      if (owned) await conn.close().catch(() => {});
      throw e;
    }
  }, opts);
}

/** A fresh database name for a test run (the contract suite drops it afterwards). */
export const scratchDbName = (prefix = 'mediation_test'): string => `${prefix}_${randomUUID().slice(0, 8)}`;
