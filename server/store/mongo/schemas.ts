// The MongoDB layout of the storage port: one mongoose schema per collection, with its indexes.
//
// The adapter writes through the driver collections under these models (see queries.ts for every
// filter and update it sends), so a stored document is exactly what codec.ts builds; the schemas say
// what that is, carry the indexes (`Model.createIndexes()` at init) and validate documents in tests
// and in the migration. `strict: 'throw'` makes a field the codec writes but the schema does not know
// an error there, not a silent drop.
//
// Conventions (as in the SQLite adapter): a record keeps its own field names; its id is `_id`. Times
// that are compared or sorted in queries are BSON dates; when the record's ISO string is not the
// canonical UTC form of that date (it had an offset, or no milliseconds), the original text is kept in
// `_iso.<field>` so reads return exactly what was written. Fields starting with `_` are the adapter's
// own and never reach a caller.
import mongoose, { Schema, type Connection, type Model } from 'mongoose';

const { Mixed } = Schema.Types;

/** Options shared by every schema: no mongoose extras in the documents, no implicit index builds. */
const OPTIONS = {
  id: false, // no `id` virtual: records carry `id` themselves after decoding
  versionKey: false as const,
  strict: 'throw' as const,
  minimize: false, // an empty object ({} profile) stays an object
  autoIndex: false, // init() builds indexes explicitly
  autoCreate: false,
};

const str = { type: String, required: true };
const strOrNull = { type: String, default: null };
/** An ISO-string field kept as text, never compared in a query. */
const text = str;
/** The original text of date fields whose ISO form differs from the stored date (see above). */
const isoTexts = { type: Mixed, default: undefined };

// ── cases and their events ───────────────────────────────────────────────────────────────────────

export const caseSchema = new Schema(
  {
    _id: str, // the case id
    caseNo: str,
    /** the case's earlier numbers (原编号), found by getByFormerNo through the former_case_nos index */
    formerCaseNos: { type: [String], default: undefined },
    /** the body whose docket issued caseNo */
    docketBodyId: { type: String, default: undefined },
    workflowVersion: str,
    status: str,
    phase: str,
    tier: str,
    outcome: strOrNull,
    bodyId: str,
    category: str,
    channel: str,
    compoundId: str,
    communityId: str,
    subdistrictId: str,
    summary: { type: String, default: '' },
    /** lower-cased text searched by `q` (a literal, escaped, case-insensitive regex) */
    searchText: { type: String, default: '' },
    assignees: { type: [String], default: [] },
    experts: { type: [String], default: [] },
    courtId: strOrNull,
    courtInbox: { type: Boolean, required: true },
    deadlines: { type: Mixed, default: [] },
    warning: str,
    overdue: { type: Boolean, required: true },
    snapshot: { type: Mixed, required: true },
    accessCodeHash: { type: String, default: '' },
    /** = seq of the last event: the optimistic-concurrency check is `{_id, version: expected}` */
    version: { type: Number, required: true },
    lastHash: { type: String, default: '' },
    createdAt: text,
    updatedAt: { type: Date, required: true },
    closedAt: strOrNull,
    /** the oversight projection's facts (port.ts OversightFacts), written by the projector beside the
     * record (a commit's $set leaves them alone) */
    oversight: { type: Mixed, default: undefined },
    /** what oversight queries filter, group and sum, derived from `oversight` (codec.ts factsOf) */
    _f: { type: Mixed, default: undefined },
    _iso: isoTexts,
  },
  { ...OPTIONS, collection: 'cases' },
);
caseSchema.index({ caseNo: 1 }, { unique: true, name: 'caseNo_unique' });
// multikey, one entry per former number; not unique: MongoDB's unique multikey indexes also refuse one
// document listing a value twice, and numbers are never issued twice anyway (the docket counter);
// sparse: most cases never change number
caseSchema.index({ formerCaseNos: 1 }, { name: 'former_case_nos', sparse: true });
caseSchema.index({ updatedAt: -1, _id: 1 }, { name: 'updated' });
caseSchema.index({ bodyId: 1, updatedAt: -1 }, { name: 'body_updated' });
caseSchema.index({ courtId: 1, courtInbox: 1, updatedAt: -1 }, { name: 'court_inbox' });
caseSchema.index({ status: 1, updatedAt: -1 }, { name: 'status_updated' });
caseSchema.index({ compoundId: 1 }, { name: 'compound' });
caseSchema.index({ experts: 1 }, { name: 'experts' }); // multikey: one entry per invited expert
// q is a non-anchored regex: it cannot seek, but it scans this index instead of the documents
caseSchema.index({ searchText: 1 }, { name: 'search_text' });
// oversight (statistics, ledger, 倒查, company warnings): cases without facts are in none of these
// A case without a source reference has no `_f.source` at all (codec.ts factsOf). Sparse and unique:
// MongoDB leaves such cases out of the index; FerretDB ignores `sparse` but keeps the index in a
// PostgreSQL unique index over the field, where a missing field is SQL NULL and NULLs never collide.
// (A partial index, the obvious alternative, is refused by FerretDB 1.x: docs/deploy.md.)
caseSchema.index({ '_f.source': 1 }, { name: 'source_unique', unique: true, sparse: true });
caseSchema.index({ '_f.registeredAt': 1, _id: 1 }, { name: 'registered', sparse: true });
caseSchema.index({ bodyId: 1, '_f.registeredAt': 1 }, { name: 'body_registered' });
caseSchema.index({ compoundId: 1, 'oversight.keys': 1, '_f.registeredAt': -1 }, { name: 'recurrence_keys' });
caseSchema.index({ 'oversight.relatedCases.id': 1 }, { name: 'related_links', sparse: true });
caseSchema.index({ 'oversight.companies.key': 1 }, { name: 'companies', sparse: true });
caseSchema.index({ '_f.v': 1 }, { name: 'facts_version' });
caseSchema.index({ '_f.seq': 1 }, { name: 'facts_seq', sparse: true });

export const eventSchema = new Schema(
  {
    _id: str, // `${caseId}:${seq}`
    caseId: str,
    seq: { type: Number, required: true, min: 1 },
    type: str,
    at: text,
    actor: { type: Mixed, required: true },
    data: { type: Mixed, default: null },
    clientIp: { type: String, default: undefined },
    prevHash: { type: String, default: '' },
    hash: str,
    /** only without transactions (standalone server): set while the commit that inserted this event
     * is still writing the rest; holds what it means to write, so a crash can be repaired */
    _pending: { type: Mixed, default: undefined },
    /** the event's place in the oversight projector's feed (codec.ts eventDoc) */
    _pos: { type: Number, default: undefined },
  },
  { ...OPTIONS, collection: 'events' },
);
// the commit point: one event per (case, seq), never two
eventSchema.index({ caseId: 1, seq: 1 }, { unique: true, name: 'case_seq_unique' });
eventSchema.index({ '_pending.since': 1 }, { name: 'pending', sparse: true });
eventSchema.index({ _pos: 1 }, { name: 'feed', sparse: true });

// ── the two leased queues ────────────────────────────────────────────────────────────────────────

export const timerSchema = new Schema(
  {
    _id: str,
    caseId: str,
    kind: str,
    level: str,
    dueAt: { type: Date, required: true },
    deadlineDueAt: text,
    state: { type: String, required: true, enum: ['pending', 'fired', 'cancelled'] },
    leaseOwner: strOrNull,
    leaseUntil: { type: Date, default: null },
    firedAt: strOrNull,
    _iso: isoTexts,
  },
  { ...OPTIONS, collection: 'timers' },
);
timerSchema.index({ state: 1, dueAt: 1 }, { name: 'due' });
timerSchema.index({ state: 1, leaseUntil: 1 }, { name: 'leased' });
timerSchema.index({ caseId: 1, state: 1, kind: 1 }, { name: 'case_state_kind' });

export const outboxSchema = new Schema(
  {
    _id: str,
    caseId: str,
    seq: { type: Number, required: true },
    topic: str,
    payload: { type: Mixed, default: null },
    createdAt: text,
    /** delivery order: increasing within a process, by time across processes (see nextPos) */
    pos: { type: Number, required: true },
    doneAt: { type: Date, default: null },
    leaseOwner: strOrNull,
    leaseUntil: { type: Date, default: null },
    /** identifies one claim call's leases, so it reads back exactly what it won */
    leaseToken: strOrNull,
  },
  { ...OPTIONS, collection: 'outbox' },
);
outboxSchema.index({ doneAt: 1, pos: 1 }, { name: 'pending_pos' });
outboxSchema.index({ caseId: 1, seq: 1 }, { name: 'case_seq' });

/** Docket numbers: one document per body and year; `$inc` on an upsert is atomic. (Also the change
 * number of oversight facts: `_id` 'oversight:facts', without body and year.) */
export const counterSchema = new Schema(
  {
    _id: str, // `${bodyId}:${year}`
    bodyId: { type: String },
    year: { type: Number },
    n: { type: Number, required: true },
  },
  { ...OPTIONS, collection: 'counters' },
);

// ── people and the organisation ──────────────────────────────────────────────────────────────────

export const userSchema = new Schema(
  {
    _id: str,
    username: str,
    name: str,
    role: str,
    bodyId: strOrNull,
    passwordHash: str,
    profile: { type: Mixed, default: {} },
    failedLogins: { type: Number, default: 0 },
    lockedUntil: strOrNull,
    active: { type: Boolean, required: true },
    createdAt: text,
    mustChangePassword: { type: Boolean, default: undefined },
  },
  { ...OPTIONS, collection: 'users' },
);
userSchema.index({ username: 1 }, { unique: true, name: 'username_unique' });

export const sessionSchema = new Schema(
  {
    _id: str, // the token's hash
    userId: str,
    csrfToken: str,
    createdAt: text,
    expiresAt: text,
    revokedAt: strOrNull,
  },
  { ...OPTIONS, collection: 'sessions' },
);
sessionSchema.index({ userId: 1 }, { name: 'user' });

export const orgUnitSchema = new Schema(
  {
    _id: str,
    name: str,
    kind: { type: String, required: true, enum: ['district', 'subdistrict', 'community', 'compound'] },
    parentId: strOrNull,
    order: { type: Number, default: 0 },
    address: { type: String, default: undefined },
  },
  { ...OPTIONS, collection: 'orgUnits' },
);
orgUnitSchema.index({ order: 1, _id: 1 }, { name: 'order' });

export const bodySchema = new Schema(
  {
    _id: str,
    name: str,
    shortName: str,
    tier: str,
    orgUnitId: str,
    committeeName: { type: String, default: undefined },
    phone: { type: String },
    venueName: { type: String, default: undefined },
  },
  { ...OPTIONS, collection: 'bodies' },
);

// ── documents, audit, idempotency keys, settings ─────────────────────────────────────────────────

export const documentSchema = new Schema(
  {
    _id: str,
    caseId: str,
    kind: str,
    version: { type: Number, required: true, min: 1 },
    templateVersion: str,
    html: { type: String, default: '' },
    sha256: str,
    draft: { type: Boolean, required: true },
    issuedAt: { type: Date, required: true },
    issuedBy: str,
    data: { type: Mixed, default: undefined },
    _iso: isoTexts,
  },
  { ...OPTIONS, collection: 'documents' },
);
documentSchema.index({ caseId: 1, kind: 1, version: 1 }, { unique: true, name: 'case_kind_version_unique' });
documentSchema.index({ caseId: 1, issuedAt: 1 }, { name: 'case_issued' });

export const auditSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    /** insertion order among entries of the same instant */
    pos: { type: Number, required: true },
    actor: strOrNull,
    action: str,
    ip: strOrNull,
    detail: { type: Mixed, default: null },
    _iso: isoTexts,
  },
  { ...OPTIONS, collection: 'audit' },
);
auditSchema.index({ at: -1, pos: -1 }, { name: 'newest' });

/** How long an idempotency record is kept: far longer than any client retries a request. */
export const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

export const idempotencySchema = new Schema(
  {
    _id: str, // the scoped key: unique by construction
    requestHash: str,
    status: { type: Number, required: true },
    body: { type: Mixed, default: null },
    createdAt: { type: Date, required: true },
    _iso: isoTexts,
  },
  { ...OPTIONS, collection: 'idempotency' },
);
idempotencySchema.index({ createdAt: 1 }, { name: 'expiry', expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS });

export const settingSchema = new Schema(
  {
    _id: str,
    value: { type: Mixed, default: null },
  },
  { ...OPTIONS, collection: 'settings' },
);

/** The webhook delivery log (server/webhooks/): one document per attempt. */
export const webhookAttemptSchema = new Schema(
  {
    _id: str,
    deliveryId: str,
    subscriptionId: str,
    pos: { type: Number, required: true },
    doc: { type: Mixed, required: true },
  },
  { ...OPTIONS, collection: 'webhookAttempts' },
);
webhookAttemptSchema.index({ deliveryId: 1 }, { name: 'delivery' });
webhookAttemptSchema.index({ subscriptionId: 1, pos: -1 }, { name: 'subscription_newest' });

// ── the models ───────────────────────────────────────────────────────────────────────────────────

export const SCHEMAS = {
  cases: caseSchema,
  events: eventSchema,
  timers: timerSchema,
  outbox: outboxSchema,
  counters: counterSchema,
  users: userSchema,
  sessions: sessionSchema,
  orgUnits: orgUnitSchema,
  bodies: bodySchema,
  documents: documentSchema,
  audit: auditSchema,
  idempotency: idempotencySchema,
  settings: settingSchema,
  webhookAttempts: webhookAttemptSchema,
} as const;

export type CollectionName = keyof typeof SCHEMAS;
/** Timer claims on a server whose updates are not atomic (FerretDB 1.x; store.ts claimDue): one small
 * document per claim, `_id` `<timer id>#<generation>`. Outside the schemas above on purpose: it is not
 * part of the data (not migrated, exported nor checked), and only `_id` needs to be unique. */
export const TIMER_CLAIMS = 'timer_claims';

export const COLLECTION_NAMES = Object.keys(SCHEMAS) as CollectionName[];

/** The collection a schema lives in (the `collection` option above). */
export function collectionOf(name: CollectionName): string {
  return SCHEMAS[name].get('collection') as string;
}

export type Models = { [K in CollectionName]: Model<any> };

/** Registers every model on `conn` (a dedicated connection, never mongoose's global one). */
export function modelsOn(conn: Connection): Models {
  const out = {} as Models;
  for (const name of COLLECTION_NAMES) {
    out[name] = conn.models[name] ?? conn.model(name, SCHEMAS[name], collectionOf(name));
  }
  return out;
}

/** Models on a connection that never connects: for validating documents without a server. */
export function offlineModels(): Models {
  return modelsOn(mongoose.createConnection());
}

/** The unique indexes of a collection (with `_id`): the fields whose values together must not
 * repeat, among the documents the index covers (partialFilterExpression or sparse, when it has one). */
export function uniqueIndexes(name: CollectionName): Array<{ fields: string[]; partial?: Record<string, unknown> }> {
  const keys: Array<{ fields: string[]; partial?: Record<string, unknown> }> = [{ fields: ['_id'] }];
  for (const [fields, options] of SCHEMAS[name].indexes()) {
    if (!options?.unique) continue;
    // a sparse index covers the documents that have its fields
    const partial =
      (options.partialFilterExpression as Record<string, unknown> | undefined) ??
      (options.sparse ? Object.fromEntries(Object.keys(fields).map((f) => [f, { $exists: true }])) : undefined);
    keys.push(partial ? { fields: Object.keys(fields), partial } : { fields: Object.keys(fields) });
  }
  return keys;
}

/** The unique keys of a collection as field lists. */
export const uniqueKeys = (name: CollectionName): string[][] => uniqueIndexes(name).map((u) => u.fields);
