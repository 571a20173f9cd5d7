// /cases/:id and its forms: POST /cases/:id/events (one event, validated like the API's, then PRG),
// POST /cases/:id/documents (issue one) and GET /cases/:id/documents/:docId (the issued HTML as
// issued). Reads follow server/policy.ts: a case the user may not read is a 404 page.
import type { Application, Request, Response } from 'express';
import { USER_EVENT_TYPES, type EventType } from '../../workflows/vocabulary.ts';
import { DOCUMENT_TITLES } from '../documents/view.ts';
import { DomainError, EventNotAllowed, Forbidden, NotFound, ValidationFailed, VersionConflict } from '../engine/errors.ts';
import { issueCaseDocument, readDocumentKind } from '../cases/documents.ts';
import { readEvent, sendEvent } from '../cases/events.ts';
import { readableCase } from '../cases/access.ts';
import { relatedCasesFor } from '../cases/presenter.ts';
import type { Services } from '../services.ts';
import { canReadCase, canSeePersonalData } from '../policy.ts';
import type { Org } from '../org.ts';
import type { CaseRecord } from '../store/port.ts';
import { formErrors } from './forms.ts';
import { buildCaseModel, CONFIRM_FIRST, type FormState } from './case.model.ts';
import { reissueAccessCode } from '../cases/access-code.ts';
import { slipModel } from './slip.ts';
import { base, langFor, render, renderStatus, requireRole, safeNext, setFlash, userOf } from './context.ts';
import { eventFromForm, fieldViews, type FormValues } from './event-forms.ts';
import { t } from './i18n.ts';
import { shanghaiDateTime, vocab } from './render.ts';

async function showCase(req: Request, res: Response, services: Services, org: Org, record: CaseRecord, form?: FormState, status = 200) {
  const lang = langFor(req, res);
  const user = userOf(req)!;
  const [events, documents, users, related] = await Promise.all([
    services.engine.history(record.id),
    services.store.documents.list(record.id),
    services.store.users.list(),
    // 倒查: only the related cases this user may read, as GET /api/cases/:id/related lists them
    relatedCasesFor(services, record, user),
  ]);
  const model = buildCaseModel({
    services,
    org,
    record,
    events,
    documents,
    user,
    users,
    lang,
    form,
    back: safeNext(req.body?.back ?? req.query.back, ''),
  });
  const page = base(req, res, `${record.caseNo} · ${t(lang, 'case_title')}`);
  const relatedCases = related.map((r) => ({
    ...r,
    readable: true,
    reasonText: (r.reasons ?? []).map((x) => t(lang, `related_${x}`)).join('、'),
  }));
  render(res, 'case', { ...page, scripts: ['live-case.js'], socket: true, c: model, relatedCases }, status);
}

function errorsForRefusal(type: EventType, err: EventNotAllowed, lang: ReturnType<typeof langFor>): Record<string, string> {
  const details = (err.details ?? {}) as { reason?: string; conflicts?: unknown[]; mediators?: string };
  if (type === 'SIGN_AGREEMENT' && details.reason === 'condition') return { signedBy: t(lang, 'v_all_parties') };
  if (type === 'ASSIGN' && details.conflicts?.length) return { mediatorIds: t(lang, 'v_conflict') };
  if (type === 'ASSIGN' && details.mediators) return { mediatorIds: t(lang, 'v_choice') };
  if ((type === 'INVITE_EXPERT' || type === 'REQUEST_RECUSAL') && details.reason === 'condition') {
    return type === 'INVITE_EXPERT' ? { expertId: t(lang, 'v_choice') } : { mediatorId: t(lang, 'v_choice') };
  }
  return {};
}

const fieldOfData = (field: string): string | null => (field.startsWith('data.') ? field.slice(5).split('.')[0] : null);

/** What others changed since the form was loaded (a 409): one line per event, "王丽华 · 安排调解 · 11-23 10:00". */
async function changesSince(services: Services, caseId: string, version: number, lang: ReturnType<typeof langFor>): Promise<string[]> {
  const events = await services.engine.history(caseId);
  return events
    .filter((e) => e.seq > version)
    .map((e) => `${e.actor.role === 'system' ? t(lang, 'system') : (e.actor.name ?? e.actor.username)} · ${vocab(lang, 'event', e.type)} · ${shanghaiDateTime(e.at)}`);
}

/** The values of a form as hidden fields (the confirmation step carries them to the real submission). */
function hiddenFields(values: FormValues): Array<{ name: string; value: string }> {
  return Object.entries(values).flatMap(([name, v]) => (Array.isArray(v) ? v.map((x) => ({ name, value: x })) : v === '' ? [] : [{ name, value: v }]));
}

/** Grave events ask first (issue 14): the page that says what will happen, with the values as typed. */
function showConfirm(req: Request, res: Response, record: CaseRecord, type: EventType, values: FormValues, opts: { expectedVersion: number; back: string }) {
  const lang = langFor(req, res);
  const label = vocab(lang, 'event', type);
  const page = base(req, res, `${t(lang, 'confirm_title', { event: label })} · ${record.caseNo}`);
  render(res, 'confirm-event', {
    ...page,
    heading: t(lang, 'confirm_title', { event: label }),
    caseId: record.id,
    caseNo: record.caseNo,
    type,
    label,
    consequence: t(lang, `confirm_${type}`),
    // what was typed, as the form labels it (choices by their labels)
    shown: fieldViews(type, { lang, parties: record.snapshot.context.parties, mediators: [], assignees: [], experts: [] }, values)
      .map((f) => ({ label: f.label, value: f.choices.length ? f.choices.filter((c) => c.checked).map((c) => c.label).join('、') : f.value }))
      .filter((f) => f.value !== ''),
    hidden: hiddenFields(values),
    expectedVersion: opts.expectedVersion,
    back: opts.back,
  });
}

export function casePages(services: Services) {
  const role = requireRole(services);
  return (app: Application) => {
    const staff = [role];

    app.get('/cases/:id', ...staff, async (req, res) => {
      const org = services.directory;
      const record = await readableCase(services, userOf(req)!, String(req.params.id));
      await showCase(req, res, services, org, record);
    });

    app.post('/cases/:id/events', ...staff, async (req, res) => {
      const lang = langFor(req, res);
      const user = userOf(req)!;
      const org = services.directory;
      const record = await readableCase(services, user, String(req.params.id));
      const body = (req.body ?? {}) as Record<string, unknown>;
      const type = String(body.type ?? '') as EventType;
      if (!(USER_EVENT_TYPES as readonly string[]).includes(type)) return renderStatus(req, res, 400);
      const back = safeNext(body.back, `/cases/${record.id}`);
      const label = vocab(lang, 'event', type);
      const { data, values } = eventFromForm(type, body);
      const expected = Number.parseInt(String(body.expectedVersion ?? ''), 10);
      try {
        const event = readEvent({ type, data, ...(expected > 0 ? { expectedVersion: expected } : {}) });
        // 终止, 不予受理, 撤回, 结案: "are you sure?" first, as a page of its own (works without JavaScript)
        if (CONFIRM_FIRST.has(type) && body.confirmed !== 'yes') {
          if (expected > 0 && expected !== record.version) throw new VersionConflict(record.id, expected, record.version);
          return showConfirm(req, res, record, type, values, { expectedVersion: record.version, back });
        }
        await sendEvent(services, user, record.id, event, { clientIp: req.ip ?? null });
      } catch (err) {
        if (err instanceof VersionConflict) {
          // the form again with what was typed, and what others changed meanwhile (issue 14)
          const current = (await services.store.cases.get(record.id)) ?? record;
          const changes = expected > 0 ? await changesSince(services, record.id, expected, lang) : [];
          const message = t(lang, 'version_conflict_kept');
          return showCase(req, res, services, org, current, { type, values, errors: {}, message, changes }, 409);
        }
        if (err instanceof ValidationFailed) {
          return showCase(req, res, services, org, record, { type, values, errors: formErrors(err, lang, fieldOfData) }, 400);
        }
        // workflow 2026.3: a missing consent or an incomplete agreement is shown on the form's field
        if (err instanceof DomainError && (err.code === 'CONSENT_REQUIRED' || err.code === 'AGREEMENT_INCOMPLETE')) {
          const field = err.code === 'AGREEMENT_INCOMPLETE' ? 'signedBy' : type === 'ACCEPT' ? 'consents' : 'consentOf';
          // the readiness check before signing lists what the agreement still lacks (issue 13 §2)
          const missing = err.code === 'AGREEMENT_INCOMPLETE' ? ((err.details as { missing?: string[] } | undefined)?.missing ?? []) : [];
          const errors = {
            [field]: t(lang, err.code === 'AGREEMENT_INCOMPLETE' ? 'v_agreement_incomplete' : 'v_consent_required') + (missing.length ? `：${missing.join('、')}` : ''),
          };
          return showCase(req, res, services, org, record, { type, values, errors, message: t(lang, 'form_has_errors') }, 422);
        }
        // 422 INVALID_CLAUSE: the clauses' obligors or dates, shown on the clause rows
        if (err instanceof DomainError && err.code === 'INVALID_CLAUSE') {
          return showCase(req, res, services, org, record, { type, values, errors: { terms: err.message }, message: t(lang, 'form_has_errors') }, 422);
        }
        if (err instanceof EventNotAllowed) {
          const errors = errorsForRefusal(type, err, lang);
          const message = Object.keys(errors).length ? t(lang, 'form_has_errors') : `${t(lang, 'event_not_allowed', { event: label })}`;
          return showCase(req, res, services, org, record, { type, values, errors, message }, 422);
        }
        throw err;
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'event_done', { event: label }) });
      // after an escalation or a referral the case may have left this user's jurisdiction
      const updated = await services.store.cases.get(record.id);
      res.redirect(303, updated && canReadCase(user, updated, org) ? back : '/');
    });

    // issue 14: a new access code for the residents, shown once on a fresh slip (QR code, link, phone)
    app.post('/cases/:id/access-code', ...staff, async (req, res) => {
      const lang = langFor(req, res);
      const user = userOf(req)!;
      const record = await readableCase(services, user, String(req.params.id));
      let accessCode: string;
      try {
        ({ accessCode } = await reissueAccessCode(services, user, record.id, { clientIp: req.ip ?? null }));
      } catch (err) {
        if (err instanceof EventNotAllowed) {
          setFlash(res, { kind: 'error', text: t(lang, 'reissue_refused') });
          return res.redirect(303, `/cases/${record.id}`);
        }
        throw err;
      }
      const updated = (await services.store.cases.get(record.id)) ?? record;
      const page = base(req, res, t(lang, 'code_reissued_title'));
      res.set('Cache-Control', 'no-store');
      render(res, 'intake-done', {
        ...page,
        scripts: ['print.js'],
        heading: page.title,
        reissued: true,
        ...(await slipModel(req, services, lang, updated, accessCode)),
        canOpen: true,
      });
    });

    app.post('/cases/:id/documents', ...staff, async (req, res) => {
      const lang = langFor(req, res);
      const user = userOf(req)!;
      const record = await readableCase(services, user, String(req.params.id));
      const kind = String(req.body?.kind ?? '');
      const title = DOCUMENT_TITLES[kind] ?? kind;
      try {
        await issueCaseDocument(services, user, record.id, readDocumentKind({ kind }).kind, { clientIp: req.ip ?? null });
      } catch (err) {
        if (err instanceof Forbidden) return renderStatus(req, res, 403);
        if (err instanceof DomainError && !(err instanceof NotFound)) {
          setFlash(res, { kind: 'error', text: err instanceof ValidationFailed ? t(lang, 'v_choice') : `${title}：${err.message}` });
          return res.redirect(303, `/cases/${record.id}#documents`);
        }
        throw err;
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'document_issued', { kind: title }) });
      res.redirect(303, `/cases/${record.id}#documents`);
    });

    app.get('/cases/:id/documents/:docId', ...staff, async (req, res) => {
      const org = services.directory;
      const user = userOf(req)!;
      const record = await readableCase(services, user, String(req.params.id));
      // issued documents carry the parties' full particulars: only for those who may see them
      const doc = canSeePersonalData(user, record, org) ? await services.store.documents.get(String(req.params.docId)) : null;
      if (!doc || doc.caseId !== record.id) throw new NotFound('document');
      res.set('Cache-Control', 'no-store');
      res.type('html').send(doc.html);
    });
  };
}
