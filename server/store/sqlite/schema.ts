// Schema and forward-only migrations. Each migration runs once, in order, inside one IMMEDIATE
// transaction together with the row recording it, so processes sharing a file never both apply it.
// Never edit a migration that has shipped: add the next one.
//
// Conventions: every record is kept whole as JSON in `doc` (reads return exactly what was written);
// the columns beside it exist only for lookups, filters, ordering and leases. Times compared in SQL
// are epoch milliseconds (INTEGER), never ISO text: ISO strings with different offsets do not sort.
import type { DB } from './db.ts';
import { WEBHOOK_TOPIC_PREFIX } from '../port.ts';

export interface Migration {
  version: number;
  name: string;
  up: string | ((db: DB) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: `
      CREATE TABLE cases (
        id             TEXT PRIMARY KEY,
        case_no        TEXT NOT NULL UNIQUE,
        body_id        TEXT NOT NULL,
        court_id       TEXT,
        court_inbox    INTEGER NOT NULL,
        status         TEXT NOT NULL,
        tier           TEXT NOT NULL,
        category       TEXT NOT NULL,
        compound_id    TEXT NOT NULL,
        community_id   TEXT NOT NULL,
        subdistrict_id TEXT NOT NULL,
        warning        TEXT NOT NULL,
        overdue        INTEGER NOT NULL,
        search_text    TEXT NOT NULL,
        version        INTEGER NOT NULL,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        doc            TEXT NOT NULL
      );
      CREATE INDEX cases_updated  ON cases(updated_at DESC, id);
      CREATE INDEX cases_body     ON cases(body_id, updated_at DESC);
      CREATE INDEX cases_court    ON cases(court_id, updated_at DESC) WHERE court_inbox = 1;
      CREATE INDEX cases_status   ON cases(status, updated_at DESC);
      CREATE INDEX cases_compound ON cases(compound_id);

      -- the experts invited to a case (CaseRecord.experts), for the expert's jurisdiction
      CREATE TABLE case_experts (
        expert_id TEXT NOT NULL,
        case_id   TEXT NOT NULL,
        PRIMARY KEY (expert_id, case_id)
      ) WITHOUT ROWID;
      CREATE INDEX case_experts_case ON case_experts(case_id);

      -- the primary key is the commit point: one row per (case, seq), never two
      CREATE TABLE events (
        case_id TEXT NOT NULL,
        seq     INTEGER NOT NULL,
        type    TEXT NOT NULL,
        at      TEXT NOT NULL,
        doc     TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
      );

      CREATE TABLE timers (
        id          TEXT PRIMARY KEY,
        case_id     TEXT NOT NULL,
        kind        TEXT NOT NULL,
        level       TEXT NOT NULL,
        due_at      INTEGER NOT NULL,
        state       TEXT NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER,
        fired_at    TEXT,
        doc         TEXT NOT NULL
      );
      CREATE INDEX timers_due  ON timers(state, due_at);
      CREATE INDEX timers_case ON timers(case_id, state, kind);

      -- pos keeps delivery in commit order
      CREATE TABLE outbox (
        pos         INTEGER PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        case_id     TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        topic       TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        done_at     INTEGER,
        lease_owner TEXT,
        lease_until INTEGER,
        payload     TEXT NOT NULL
      );
      CREATE INDEX outbox_pending ON outbox(pos) WHERE done_at IS NULL;
      CREATE INDEX outbox_case    ON outbox(case_id, seq);

      CREATE TABLE counters (
        body_id TEXT NOT NULL,
        year    INTEGER NOT NULL,
        n       INTEGER NOT NULL,
        PRIMARY KEY (body_id, year)
      ) WITHOUT ROWID;

      CREATE TABLE users (
        id       TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        doc      TEXT NOT NULL
      );

      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        doc        TEXT NOT NULL
      );
      CREATE INDEX sessions_user ON sessions(user_id);

      CREATE TABLE org_units (
        id        TEXT PRIMARY KEY,
        parent_id TEXT,
        ord       INTEGER NOT NULL,
        doc       TEXT NOT NULL
      );

      CREATE TABLE bodies (
        id  TEXT PRIMARY KEY,
        doc TEXT NOT NULL
      );

      CREATE TABLE documents (
        id        TEXT PRIMARY KEY,
        case_id   TEXT NOT NULL,
        kind      TEXT NOT NULL,
        version   INTEGER NOT NULL,
        issued_at INTEGER NOT NULL,
        doc       TEXT NOT NULL,
        UNIQUE (case_id, kind, version)
      );

      CREATE TABLE audit (
        pos    INTEGER PRIMARY KEY,
        at     INTEGER NOT NULL,
        actor  TEXT,
        action TEXT NOT NULL,
        doc    TEXT NOT NULL
      );
      CREATE INDEX audit_at ON audit(at);

      CREATE TABLE idempotency (
        key        TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        doc        TEXT NOT NULL
      );
      CREATE INDEX idempotency_created ON idempotency(created_at);

      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'oversight projection: case facts, ledger rows, recurrence keys and links, companies',
    // Written with each commit from CaseRecord.oversight (server/store/sqlite/oversight.ts); cases
    // committed before this migration are projected by server/oversight/rebuild.ts.
    up: `
      -- one narrow row per case: what statistics group and sum (no JSON to parse)
      CREATE TABLE case_facts (
        case_id        TEXT PRIMARY KEY,
        case_no        TEXT NOT NULL,
        body_id        TEXT NOT NULL,
        compound_id    TEXT NOT NULL,
        community_id   TEXT NOT NULL,
        subdistrict_id TEXT NOT NULL,
        registered_at  INTEGER NOT NULL,
        month          TEXT NOT NULL,
        status         TEXT NOT NULL,
        tier           TEXT NOT NULL,
        category       TEXT NOT NULL,
        channel        TEXT NOT NULL,
        outcome        TEXT,
        settled        INTEGER NOT NULL,
        settled_tier   TEXT,
        within_subdistrict INTEGER NOT NULL,
        days_to_settle INTEGER,
        failed         INTEGER NOT NULL,
        clauses_checked INTEGER NOT NULL,
        clauses_full    INTEGER NOT NULL,
        clauses_partial INTEGER NOT NULL,
        clauses_none    INTEGER NOT NULL,
        visits         INTEGER NOT NULL,
        sat1 INTEGER NOT NULL, sat2 INTEGER NOT NULL, sat3 INTEGER NOT NULL, sat4 INTEGER NOT NULL, sat5 INTEGER NOT NULL,
        ever_overdue   INTEGER NOT NULL,
        red            INTEGER NOT NULL,
        recurrence     INTEGER NOT NULL,
        source_key     TEXT,
        facts_version  INTEGER NOT NULL,
        -- what was projected last: a commit that changes none of it (a session recorded, a mediator
        -- assigned…) writes nothing here
        digest         TEXT NOT NULL,
        -- change number: every write takes the next one (writes are serialised), so a reader that
        -- remembers the last it saw catches up with WHERE seq > ? (server/oversight/memory.ts)
        seq            INTEGER NOT NULL
      );
      CREATE INDEX case_facts_seq        ON case_facts(seq);
      CREATE INDEX case_facts_registered ON case_facts(registered_at, case_id);
      CREATE UNIQUE INDEX case_facts_source ON case_facts(source_key) WHERE source_key IS NOT NULL;

      -- the ledger line (台账), masked, with the scope's columns beside it: an export walks the order
      -- index and, lines being written as cases are registered, mostly adjacent rows of one table.
      -- (Not WITHOUT ROWID: its lines of 1-2 KB would spill into overflow pages.)
      CREATE TABLE case_ledger (
        pos            INTEGER PRIMARY KEY,
        registered_at  INTEGER NOT NULL,
        case_id        TEXT NOT NULL,
        case_no        TEXT NOT NULL UNIQUE,
        body_id        TEXT NOT NULL,
        compound_id    TEXT NOT NULL,
        community_id   TEXT NOT NULL,
        subdistrict_id TEXT NOT NULL,
        row            TEXT NOT NULL,
        -- the same as a CSV line, UTF-8 (server/oversight/ledger-format.ts ledgerTemplate)
        line           BLOB NOT NULL,
        -- case numbers of later cases linked back to this one (倒查), in registration order, joined by '；'
        later          TEXT NOT NULL DEFAULT ''
      );
      CREATE UNIQUE INDEX case_ledger_case  ON case_ledger(case_id);
      CREATE INDEX        case_ledger_order ON case_ledger(registered_at, case_id);
      -- ledger lines are stored as JSON arrays of their values; the field names once, here
      CREATE TABLE ledger_shapes (
        id   TEXT PRIMARY KEY,
        keys TEXT NOT NULL
      );

      -- 倒查: hashed keys (category, party names and phones) per compound, and the links made at intake
      CREATE TABLE case_keys (
        compound_id   TEXT NOT NULL,
        key           TEXT NOT NULL,
        registered_at INTEGER NOT NULL,
        case_id       TEXT NOT NULL,
        PRIMARY KEY (compound_id, key, registered_at, case_id)
      ) WITHOUT ROWID;
      CREATE INDEX case_keys_case ON case_keys(case_id);

      CREATE TABLE case_links (
        earlier_id TEXT NOT NULL,
        later_id   TEXT NOT NULL,
        later_no   TEXT NOT NULL,
        reasons    TEXT NOT NULL,
        PRIMARY KEY (earlier_id, later_id)
      ) WITHOUT ROWID;
      CREATE INDEX case_links_later ON case_links(later_id);

      -- property-service companies among a case's parties
      CREATE TABLE case_companies (
        case_id         TEXT NOT NULL,
        company_key     TEXT NOT NULL,
        name            TEXT NOT NULL,
        non_performance INTEGER NOT NULL,
        recurrence      INTEGER NOT NULL,
        PRIMARY KEY (case_id, company_key)
      ) WITHOUT ROWID;
      CREATE INDEX case_companies_company ON case_companies(company_key);
    `,
  },
  {
    version: 3,
    name: 'former case numbers (原编号): a case accepted at another body takes its number',
    // Written with each commit from CaseRecord.formerCaseNos (server/store/sqlite/cases.ts). A number is
    // never issued twice, so a former number names one case. Records of earlier versions have none.
    up: `
      CREATE TABLE case_former_nos (
        case_no TEXT PRIMARY KEY,
        case_id TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX case_former_nos_case ON case_former_nos(case_id);
    `,
  },
  {
    version: 4,
    name: 'webhooks: the delivery log, and in-order claims per (topic, case) of the outbox',
    // server/webhooks/: deliveries are outbox entries of the `webhook:` topics; each attempt is logged.
    up: `
      CREATE TABLE webhook_attempts (
        pos             INTEGER PRIMARY KEY,
        id              TEXT NOT NULL UNIQUE,
        delivery_id     TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        doc             TEXT NOT NULL
      );
      CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
      CREATE INDEX webhook_attempts_subscription ON webhook_attempts(subscription_id, pos);
      CREATE INDEX outbox_topic_case ON outbox(topic, case_id, pos) WHERE done_at IS NULL;
    `,
  },
  {
    version: 5,
    name: 'asynchronous oversight projector: its position, the facts it projected, case sources',
    // issue 17: the oversight projection leaves the commit. The projector (server/oversight/projector.ts)
    // follows the events in commit order (events.rowid) and writes the projection and its position in
    // one transaction; the facts it projected last are kept beside the narrow rows (a case's next
    // projection starts from them). A case's reference in another system stays unique at commit.
    // Existing databases start at position 0: the projector projects them again from their history.
    up: `
      CREATE TABLE projector (
        name     TEXT PRIMARY KEY,
        position INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE case_oversight (
        case_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        doc     TEXT NOT NULL
      );
      CREATE TABLE case_sources (
        source_key TEXT PRIMARY KEY,
        case_id    TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO case_sources (source_key, case_id) SELECT source_key, case_id FROM case_facts WHERE source_key IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'oversight facts: the issue 16 §4 fields statistics group and sum',
    // 受理方式, 调解组织类型, 协议涉及金额 (fen) and 协议形式 of settled cases, 涉及人数 / 户数, 司法确认 and its
    // result, 防止民转刑 / 群体性事件 (server/oversight/stats-facts.ts). Rows written before are filled in
    // by the rebuild FACTS_VERSION 4 triggers (server/oversight/rebuild.ts).
    up: `
      ALTER TABLE case_facts ADD COLUMN intake_mode TEXT;
      ALTER TABLE case_facts ADD COLUMN org_type TEXT;
      ALTER TABLE case_facts ADD COLUMN agreement_fen INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN agreement_written INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN agreement_oral INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN people INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN households INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN conf_applied INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN conf_refused INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN prevents_criminal INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE case_facts ADD COLUMN prevents_mass INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 7,
    name: 'outbox: no index written by every live entry that only the webhook lane, or nothing, reads',
    // issue 17 (write less per event). Each live entry (case:updated, inbox:updated) wrote a page of
    // outbox_case, at a random place (case ids are random), and no statement reads the outbox by case
    // and seq; and it was put into outbox_topic_case on insert and taken out when done — two more
    // random pages — though only the webhook lane's in-order claim reads that index. It now holds the
    // webhook lane's pending entries alone (queue.ts pendingWebhooks names the same condition).
    up: `
      DROP INDEX IF EXISTS outbox_case;
      DROP INDEX IF EXISTS outbox_topic_case;
      CREATE INDEX outbox_webhook_pending ON outbox(topic, case_id, pos) WHERE done_at IS NULL AND topic LIKE '${WEBHOOK_TOPIC_PREFIX}%';
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Brings the database up to SCHEMA_VERSION; returns the version it found. Refuses a database
 * written by newer code (its schema may mean things this code does not know). */
export function migrate(db: DB, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
  const run = db.transaction((): number => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const found = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version').get() as { v: number }).v;
    if (found > latest) {
      throw new Error(`database schema version ${found} is newer than this code knows (${latest}): upgrade the code`);
    }
    const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= found) continue;
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(m.version, m.name, new Date().toISOString());
    }
    return found;
  });
  return run.immediate();
}
