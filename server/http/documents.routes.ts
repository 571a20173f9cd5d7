// Documents of a case: the list, issuing one (rendered once, hashed, stored as issued: see
// server/documents/issue.ts), and the issued HTML exactly as issued. Issued documents carry the
// parties' full particulars, so their HTML is served only to roles that may see personal data
// (experts read the case view instead) and only for cases the caller may read (else 404).
import Joi from 'joi';
import { DOCUMENT_KINDS } from '../documents/templates.ts';
import { NotFound } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import { canSeePersonalData, rolesFor } from '../policy.ts';
import type { DocumentRecord } from '../store/port.ts';
import { documentBody, issueCaseDocument } from '../cases/documents.ts';
import { printedCheckCode, verifyDocument } from '../documents/issue.ts';
import { readableCase } from '../cases/access.ts';
import { caseIdParams, id } from './schemas.ts';
import { defineRoute, type RouteDef } from './validate.ts';
import { obj, ref } from './api-schemas.ts';

export function documentMeta(doc: DocumentRecord) {
  return {
    id: doc.id,
    caseId: doc.caseId,
    kind: doc.kind,
    version: doc.version,
    draft: doc.draft,
    templateVersion: doc.templateVersion,
    sha256: doc.sha256,
    issuedAt: doc.issuedAt,
    issuedBy: doc.issuedBy,
    url: `/api/documents/${doc.id}`,
  };
}

const metaSchema = ref('DocumentMeta');

export function documentsRoutes(services: Services): RouteDef[] {
  const { store, directory } = services;

  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/cases/:id/documents',
        summary: 'Documents issued for the case, oldest first',
        tags: ['documents'],
        auth: rolesFor('cases:read'),
        params: caseIdParams,
        responses: { 200: { description: 'the documents (without their HTML)', schema: { type: 'array', items: metaSchema } } },
      },
      async ({ params, user }) => {
        const record = await readableCase(services, user!, params.id);
        return (await store.documents.list(record.id)).map(documentMeta);
      },
    ),

    defineRoute<{ kind: string }>(
      {
        method: 'post',
        path: '/api/cases/:id/documents',
        summary: 'Issue a document (rendered once, hashed and kept as issued; issuing again adds a new version)',
        description: `kinds: ${DOCUMENT_KINDS.join(', ')}. A kind that does not apply to the case yet (e.g. an agreement before one is drafted) is 422.`,
        tags: ['documents'],
        auth: rolesFor('documents:issue'),
        params: caseIdParams,
        body: documentBody,
        status: 201,
        responses: {
          201: { description: 'issued', schema: obj({ document: metaSchema }) },
          422: { description: 'EVENT_NOT_ALLOWED: the kind does not apply to the case now (reasons in details)' },
        },
      },
      async ({ params, body, user, req }) => {
        const doc = await issueCaseDocument(services, user!, params.id, body.kind, { clientIp: req.ip ?? null });
        return { document: documentMeta(doc) };
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/documents/:id/package',
        summary: 'The court package (JSON) issued beside a court_referral or confirmation_application',
        description:
          "Application or referral, the parties' full particulars, the agreement, the dossier index and `courtCase` (the court's 案号, 案由, 标的额, " +
          'mode, result, 结案方式, the agreement, 无争议事实), as stored when the document was issued. Those who may read the document; ' +
          'a document without a package → 404.',
        tags: ['documents', 'court'],
        auth: rolesFor('documents:read'),
        params: Joi.object({ id: id().required() }),
        responses: { 200: { description: 'the package as issued', schema: ref('CourtPackage') } },
      },
      async ({ params, user, res }) => {
        const doc = await store.documents.get(params.id);
        const record = doc ? await store.cases.get(doc.caseId) : null;
        if (!doc || !record || doc.data === undefined || doc.data === null || !canSeePersonalData(user!, record, directory)) throw new NotFound('document package');
        res.set('Cache-Control', 'private, no-store');
        return doc.data as Record<string, unknown>;
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/documents/:id',
        summary: 'The issued document, exactly as issued (HTML, printable on A4)',
        tags: ['documents'],
        auth: rolesFor('documents:read'),
        params: Joi.object({ id: id().required() }),
        description:
          'The printed 文书校验码 (verification line) is recomputed from the stored HTML: X-Document-Check names it and ' +
          'X-Document-Verified says whether the HTML and its code are still as issued. With ?check=XXXX-XXXX-XXXX-XXXX the ' +
          'answer is JSON {verified, document}: whether that code is this document\'s.',
        query: Joi.object({ check: Joi.string().max(40).description('the 文书校验码 printed on the paper') }),
        responses: {
          200: {
            description: 'the HTML as issued; its SHA-256 is in the X-Document-SHA256 header; with ?check=, JSON {verified, document}',
            contentType: 'text/html',
            schema: { type: 'string' },
            media: { 'application/json': ref('DocumentCheck') },
          },
        },
      },
      async ({ params, query, user, res }) => {
        const doc = await store.documents.get(params.id);
        const record = doc ? await store.cases.get(doc.caseId) : null;
        // an issued document carries the parties' full particulars: those who may see them (not the
        // read-only view of a body that escalated the case)
        if (!doc || !record || !canSeePersonalData(user!, record, directory)) throw new NotFound('document');
        const code = printedCheckCode(doc.html);
        const verified = verifyDocument(doc);
        if (query.check !== undefined) {
          const typed = query.check.toUpperCase().replace(/[^0-9A-F]/g, '');
          return { verified: verified && code !== null && typed === code.replace(/-/g, ''), document: documentMeta(doc) };
        }
        if (code) res.set('X-Document-Check', code);
        res.set('X-Document-Verified', String(verified));
        res.set('X-Document-SHA256', doc.sha256);
        res.set('Cache-Control', 'private, no-store');
        res.type('text/html; charset=utf-8').send(doc.html);
        return undefined;
      },
    ),
  ];
}
