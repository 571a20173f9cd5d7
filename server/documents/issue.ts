// Issuing a document: check that the kind applies to the case, render it once, hash the exact HTML and
// store it. An issued document is never re-rendered: reissuing stores a new version beside the old.
import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../../workflows/case.types.ts';
import { sessionTally } from '../../workflows/case-lists.ts';
import { EventNotAllowed, ValidationFailed } from '../engine/errors.ts';
import type { Body, CaseRecord, DocumentRecord, EventRecord, OrgUnit, Store } from '../store/port.ts';
import { zhDate } from './format.ts';
import { confirmationReadiness, courtPackage, type Readiness } from './readiness.ts';
import { courtFacts } from '../cases/court-facts.ts';
import type { WorkingCalendar } from './schedule.ts';
import {
  isDocumentKind,
  renderDocument,
  templates as defaultTemplates,
  type DocumentKind,
  type RenderContext,
  type TemplateSet,
} from './templates.ts';
import { buildDocumentView, type UserRef } from './view.ts';

export interface IssueInput {
  record: CaseRecord;
  events: EventRecord[];
  kind: string;
  actor: Pick<Actor, 'id' | 'username'> & { name?: string };
  now: string;
  bodies: Body[];
  units: OrgUnit[];
  users: UserRef[];
  followUpDates?: string[];
  followUpOffsets?: readonly number[];
  /** working-day calendar for computed dates; the packaged State Council calendar by default */
  calendar?: WorkingCalendar;
  /** defaults to the application's templates (views/documents) */
  templates?: TemplateSet;
}

export function sha256(html: string): string {
  return createHash('sha256').update(html, 'utf8').digest('hex');
}

/** The printed verification line (文书校验码): the first 64 bits of the SHA-256 of the document with the
 * code itself left empty, as 4×4 hex digits. Anyone holding the paper can type it in; the server
 * recomputes it from the stored HTML (GET /api/documents/:id). */
const CHECK_LINE = /文书校验码：([0-9A-F]{4}(?:-[0-9A-F]{4}){3})/;

export function checkCodeOf(htmlWithoutCode: string): string {
  return (sha256(htmlWithoutCode).slice(0, 16).toUpperCase().match(/.{4}/g) ?? []).join('-');
}

/** The code printed on a stored document, or null when it carries none (documents issued before). */
export function printedCheckCode(html: string): string | null {
  return CHECK_LINE.exec(html)?.[1] ?? null;
}

/** True when the stored HTML is still exactly what was issued, and its printed 文书校验码 is its own. */
export function verifyDocument(doc: Pick<DocumentRecord, 'html' | 'sha256'>): boolean {
  if (sha256(doc.html) !== doc.sha256) return false;
  const code = printedCheckCode(doc.html);
  return code === null || checkCodeOf(doc.html.replace(CHECK_LINE, '文书校验码：')) === code;
}

/**
 * Why this kind cannot be issued for the case now, or null when it can. For the judicial confirmation
 * application, the readiness reasons are in `details`.
 */
export function whyNot(kind: DocumentKind, input: IssueInput): EventNotAllowed | null {
  const ctx = input.record.snapshot.context;
  const refuse = (why: string, details?: unknown) => new EventNotAllowed(`ISSUE ${kind}`, why, details);
  switch (kind) {
    case 'intake_form':
    case 'dossier':
    case 'rights_notice':
      return null;
    case 'session_minutes':
      return sessionTally(ctx).recorded > 0 ? null : refuse('no mediation session has been recorded');
    case 'court_submission':
      // 委托调解: the signed agreement goes to the court for its 调解书 or 撤诉
      if (ctx.delegation?.mode !== 'entrusted') return refuse('only an entrusted (委托) case is submitted to the court for review');
      return ctx.agreement?.effectiveAt ? null : refuse('the agreement has not been signed');
    case 'enforcement_advice':
      // 人民调解法 art. 33: a confirmed agreement that is not (fully) performed
      if (ctx.confirmation?.confirmed !== true) return refuse('the court has not confirmed the agreement');
      return ctx.followUps.some((f) => f.performance !== 'full') || ctx.nextStep === 'apply_for_enforcement'
        ? null
        : refuse('no follow-up found the agreement unperformed');
    case 'non_acceptance_notice':
      return input.events.some((e) => e.type === 'DECLINE') ? null : refuse('the case was not declined (不予受理)');
    case 'agreement':
      return ctx.agreement ? null : refuse('no agreement has been drafted');
    case 'termination_notice':
      return input.events.some((e) => e.type === 'TERMINATE') ? null : refuse('mediation was not terminated');
    case 'court_referral':
      return ctx.referral ? null : refuse('the case was not referred to a court');
    case 'follow_up_schedule':
      return ctx.agreement ? null : refuse('no agreement to follow up');
    case 'follow_up_record':
      return ctx.followUps.length ? null : refuse('no follow-up visit has been recorded');
    case 'confirmation_application': {
      // workflow 2026.3: an entrusted (委托) case's agreement goes to the court for its 调解书, and an
      // oral agreement is never confirmed (人民调解法 art. 28): neither has a 司法确认申请书
      if (ctx.delegation?.mode === 'entrusted') return refuse('an entrusted (委托) case is submitted to the court for review, not for judicial confirmation');
      if (ctx.agreement?.form === 'oral') return refuse('an oral agreement is not judicially confirmed');
      const readiness = readinessFor(input);
      return readiness.ready
        ? null
        : refuse(readiness.missing.map((m) => m.message).join('；'), {
            missing: readiness.missing,
            court: readiness.court,
          });
    }
  }
}

function readinessFor(input: IssueInput): Readiness {
  return confirmationReadiness(input.record.snapshot.context, input.now, {
    courts: input.bodies.filter((b) => b.tier === 'court'),
    delegatingCourtId: input.record.courtId,
    calendar: input.calendar,
  });
}

/** Renders without storing: the HTML (and court package) that issuing would store as version `version`. */
export function prepareDocument(
  input: IssueInput,
  kind: DocumentKind,
  version: number,
  previous: DocumentRecord[] = [],
): Pick<DocumentRecord, 'html' | 'sha256' | 'draft' | 'templateVersion' | 'data'> {
  const set = input.templates ?? defaultTemplates();
  const view = buildDocumentView({
    record: input.record,
    events: input.events,
    bodies: input.bodies,
    units: input.units,
    users: input.users,
    now: input.now,
    followUpDates: input.followUpDates,
    followUpOffsets: input.followUpOffsets,
    calendar: input.calendar,
    documents: previous,
    issuedBy: input.actor.name ?? input.users.find((u) => u.id === input.actor.id)?.name ?? input.actor.username,
  });
  let readiness: Readiness | undefined;
  let readinessView: RenderContext['readiness'] = null;
  if (kind === 'confirmation_application') {
    readiness = readinessFor(input);
    if (readiness.court) readinessView = { court: readiness.court, lastDay: zhDate(readiness.lastDay) };
  }
  const draft = kind === 'agreement' && Boolean(view.agreement?.draft);
  // rendered with the verification line empty, hashed, then with its code (a pure function of the view)
  const blank = renderDocument(set, kind, view, { version, draft, readiness: readinessView, check: '' });
  const html = renderDocument(set, kind, view, { version, draft, readiness: readinessView, check: checkCodeOf(blank) });
  const data =
    kind === 'confirmation_application' || kind === 'court_referral' ? courtPackage(view, kind, readiness, courtFacts(input.record.snapshot.context, input.record.status, input.record.outcome ?? null)) : undefined;
  return { html, sha256: sha256(html), draft, templateVersion: set.templateVersion(kind), data };
}

/**
 * Issues a document: refuses kinds that do not apply (EventNotAllowed, with the readiness reasons for
 * a confirmation application), renders once, stores it with its template version and SHA-256 as
 * version n+1 of that kind for the case, and returns what was stored.
 */
export async function issueDocument(store: Store, input: IssueInput): Promise<DocumentRecord> {
  const { kind } = input;
  if (!isDocumentKind(kind)) throw new ValidationFailed(`unknown document kind: ${kind}`, { kind });
  const refusal = whyNot(kind, input);
  if (refusal) throw refusal;

  // Two clerks issuing at once may both count n; a store that keeps (case, kind, version) unique
  // refuses the second, which then counts again. Without such a constraint the race is harmless
  // for readers: both documents are kept and the ids differ.
  for (let attempt = 0; ; attempt++) {
    const previous = await store.documents.list(input.record.id);
    const version = previous.filter((d) => d.kind === kind).length + 1;
    const doc: DocumentRecord = {
      id: randomUUID(),
      caseId: input.record.id,
      kind,
      version,
      issuedAt: input.now,
      issuedBy: input.actor.id,
      ...prepareDocument(input, kind, version, previous),
    };
    if (doc.data === undefined) delete doc.data;
    try {
      await store.documents.insert(doc);
      return doc;
    } catch (err) {
      const again = await store.documents.list(input.record.id);
      const raced = again.filter((d) => d.kind === kind).length + 1 !== version;
      if (!raced || attempt >= 3) throw err;
    }
  }
}
