// Issuing a document for a case (POST /api/cases/:id/documents and the case page's button): the case
// must be readable by the caller (else 404); the document is rendered once, hashed and stored as
// issued (server/documents/issue.ts, 422 when the kind does not apply to the case now) and the
// issue is audited.
import Joi from 'joi';
import type { RequestMeta } from '../engine/engine.ts';
import { issueDocument } from '../documents/issue.ts';
import { Forbidden } from '../engine/errors.ts';
import { mayUse } from '../policy.ts';
import { DOCUMENT_KINDS } from '../documents/templates.ts';
import type { Services } from '../services.ts';
import type { DocumentRecord, UserRecord } from '../store/port.ts';
import { validateInput } from '../validation.ts';
import { actableCase, actorOf } from './access.ts';

export const documentBody = Joi.object({ kind: Joi.string().valid(...DOCUMENT_KINDS).required() });

export function readDocumentKind(input: unknown): { kind: string } {
  return validateInput<{ kind: string }>(documentBody, input ?? {}, 'body', false);
}

export async function issueCaseDocument(services: Services, user: UserRecord, caseId: string, kind: string, meta: RequestMeta = {}): Promise<DocumentRecord> {
  const { store, directory, engine } = services;
  // every document is a mediation body's, under its 人民调解委员会's seal: a court issues none (issue 14)
  if (!mayUse(user.role, 'documents:issue')) throw new Forbidden('documents are issued by the mediation bodies, not by a court or an expert');
  const record = await actableCase(services, user, caseId, `ISSUE ${kind}`);
  const events = await engine.history(record.id);
  const users = (await store.users.list()).map((u) => ({ id: u.id, name: u.name, username: u.username }));
  const now = engine.now();
  const doc = await issueDocument(store, {
    record,
    events,
    kind,
    actor: actorOf(user, directory),
    now,
    bodies: directory.allBodies(),
    units: directory.allUnits(),
    users,
    followUpOffsets: services.settings.deadlines.followUpOffsets,
    calendar: services.settings.calendar(),
  });
  await store.audit.append({
    at: now,
    actor: user.id,
    action: 'document.issued',
    ip: meta.clientIp ?? null,
    detail: { caseId: record.id, caseNo: record.caseNo, documentId: doc.id, kind: doc.kind, version: doc.version, sha256: doc.sha256 },
  });
  return doc;
}
