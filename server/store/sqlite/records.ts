// The plain collections: users, sessions, the org tree and bodies, documents, audit, idempotency
// keys and settings. Each row keeps the record whole in `doc`.
import { NotFound } from '../../engine/errors.ts';
import type {
  AuditEntry,
  Body,
  DocumentRecord,
  IdempotencyRecord,
  OrgUnit,
  SessionRecord,
  Store,
  UserRecord,
} from '../port.ts';
import { type DB, type Handle, json, orDuplicate, parse, toMs } from './db.ts';

type Areas = Pick<Store, 'users' | 'sessions' | 'org' | 'documents' | 'audit' | 'idempotency' | 'settings'>;

function prepare(db: DB) {
  const st = {
    userInsert: db.prepare('INSERT INTO users (id, username, doc) VALUES (?, ?, ?)'),
    userUpdate: db.prepare('UPDATE users SET username = ?, doc = ? WHERE id = ?'),
    userGet: db.prepare('SELECT doc FROM users WHERE id = ?').pluck(),
    userByName: db.prepare('SELECT doc FROM users WHERE username = ?').pluck(),
    userList: db.prepare('SELECT doc FROM users ORDER BY username').pluck(),

    sessionInsert: db.prepare('INSERT INTO sessions (token_hash, user_id, expires_at, doc) VALUES (?, ?, ?, ?)'),
    sessionGet: db.prepare('SELECT doc FROM sessions WHERE token_hash = ?').pluck(),
    // the first revocation stands
    sessionRevoke: db.prepare(
      `UPDATE sessions SET doc = json_set(doc, '$.revokedAt', ?)
       WHERE token_hash = ? AND json_extract(doc, '$.revokedAt') IS NULL`,
    ),

    sessionsOfUser: db.prepare(
      `SELECT token_hash FROM sessions WHERE user_id = ? AND json_extract(doc, '$.revokedAt') IS NULL`,
    ).pluck(),

    unitPut: db.prepare(
      `INSERT INTO org_units (id, parent_id, ord, doc) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, ord = excluded.ord, doc = excluded.doc`,
    ),
    units: db.prepare('SELECT doc FROM org_units ORDER BY ord, id').pluck(),
    bodyPut: db.prepare('INSERT INTO bodies (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc'),
    bodies: db.prepare('SELECT doc FROM bodies ORDER BY id').pluck(),

    docInsert: db.prepare(
      'INSERT INTO documents (id, case_id, kind, version, issued_at, doc) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    docList: db.prepare('SELECT doc FROM documents WHERE case_id = ? ORDER BY issued_at, kind, version').pluck(),
    docGet: db.prepare('SELECT doc FROM documents WHERE id = ?').pluck(),

    auditAppend: db.prepare('INSERT INTO audit (at, actor, action, doc) VALUES (?, ?, ?, ?)'),
    auditList: db.prepare('SELECT doc FROM audit ORDER BY at DESC, pos DESC LIMIT ?').pluck(),

    idemGet: db.prepare('SELECT doc FROM idempotency WHERE key = ?').pluck(),
    idemDeleteBefore: db.prepare('DELETE FROM idempotency WHERE created_at < ?'),
    idemPut: db.prepare(
      'INSERT INTO idempotency (key, created_at, doc) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
    ),

    settingGet: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
    settingPut: db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };

  const updateUser = db.transaction((id: string, patch: Partial<UserRecord>) => {
    const doc = st.userGet.get(id) as string | undefined;
    if (doc === undefined) throw new NotFound(`user ${id}`);
    const next: UserRecord = { ...parse<UserRecord>(doc) };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined && k !== 'id') (next as any)[k] = v;
    orDuplicate(() => st.userUpdate.run(next.username, json(next), id), `username ${next.username} is taken`, {
      username: next.username,
    });
  });
  const putUnits = db.transaction((units: OrgUnit[]) => {
    for (const u of units) st.unitPut.run(u.id, u.parentId ?? null, u.order ?? 0, json(u));
  });
  const putBodies = db.transaction((bodies: Body[]) => {
    for (const b of bodies) st.bodyPut.run(b.id, json(b));
  });

  return { st, updateUser, putUnits, putBodies };
}

const docs = <T>(rows: unknown[]): T[] => (rows as string[]).map((d) => parse<T>(d));
const one = <T>(row: unknown): T | null => (row === undefined ? null : parse<T>(row as string));

export function sqliteRecords(h: Handle): Areas & { warm(): void } {
  const s = () => h.prepared(prepare, prepare);

  return {
    warm: () => void s(),

    users: {
      async insert(u: UserRecord) {
        orDuplicate(() => s().st.userInsert.run(u.id, u.username, json(u)), `username ${u.username} is taken`, {
          username: u.username,
        });
      },
      async update(id: string, patch: Partial<UserRecord>) {
        s().updateUser.immediate(id, patch);
      },
      get: async (id: string) => one<UserRecord>(s().st.userGet.get(id)),
      getByUsername: async (username: string) => one<UserRecord>(s().st.userByName.get(username)),
      list: async () => docs<UserRecord>(s().st.userList.all()),
    },

    sessions: {
      async insert(x: SessionRecord) {
        orDuplicate(
          () => s().st.sessionInsert.run(x.tokenHash, x.userId, toMs(x.expiresAt, 'expiresAt'), json(x)),
          'session exists',
        );
      },
      get: async (tokenHash: string) => one<SessionRecord>(s().st.sessionGet.get(tokenHash)),
      async revoke(tokenHash: string, at: string) {
        s().st.sessionRevoke.run(at, tokenHash);
      },
      async revokeForUser(userId: string, at: string, exceptTokenHash?: string) {
        const { st } = s();
        const hashes = (st.sessionsOfUser.all(userId) as string[]).filter((h) => h !== exceptTokenHash);
        for (const h of hashes) st.sessionRevoke.run(at, h);
        return hashes;
      },
    },

    org: {
      async putUnits(units: OrgUnit[]) {
        s().putUnits.immediate(units);
      },
      units: async () => docs<OrgUnit>(s().st.units.all()),
      async putBodies(bodies: Body[]) {
        s().putBodies.immediate(bodies);
      },
      bodies: async () => docs<Body>(s().st.bodies.all()),
    },

    documents: {
      async insert(d: DocumentRecord) {
        orDuplicate(
          () => s().st.docInsert.run(d.id, d.caseId, d.kind, d.version, toMs(d.issuedAt, 'issuedAt'), json(d)),
          `document ${d.id} (${d.kind} v${d.version}) exists`,
          { id: d.id, kind: d.kind, version: d.version },
        );
      },
      list: async (caseId: string) => docs<DocumentRecord>(s().st.docList.all(caseId)),
      get: async (id: string) => one<DocumentRecord>(s().st.docGet.get(id)),
    },

    audit: {
      async append(e: AuditEntry) {
        s().st.auditAppend.run(toMs(e.at, 'at'), e.actor ?? null, e.action, json(e));
      },
      list: async (limit: number) => docs<AuditEntry>(s().st.auditList.all(Math.max(0, Math.floor(limit)))),
    },

    idempotency: {
      get: async (key: string) => one<IdempotencyRecord>(s().st.idemGet.get(key)),
      async put(rec: IdempotencyRecord) {
        return s().st.idemPut.run(rec.key, toMs(rec.createdAt, 'createdAt'), json(rec)).changes === 1;
      },
      async deleteBefore(at: string) {
        return s().st.idemDeleteBefore.run(toMs(at, 'at')).changes;
      },
    },

    settings: {
      async get<T>(key: string): Promise<T | null> {
        return one<T>(s().st.settingGet.get(key));
      },
      async put<T>(key: string, value: T): Promise<void> {
        s().st.settingPut.run(key, json(value));
      },
    },
  };
}
