// /track: a resident follows their case with the case number and access code from the intake slip.
// Status in plain words, the next step, the next session, deadlines and a timeline — and nothing
// personal about anyone (API.md "Residents": no phone, ID number or address, one's own included).
// Wrong codes are counted per case number and per client address, as for the API and the resident
// socket; the page updates itself live (public/js/live-track.js).
import type { Application, Request, Response } from 'express';
import { residentView } from '../cases/resident-view.ts';
import { openWithAccessCode } from '../cases/track.ts';
import type { Services } from '../services.ts';
import type { Body, CaseRecord, EventRecord } from '../store/port.ts';
import { countingUnit, daysLeft } from '../../workflows/days-left.ts';
import { inDays } from './case-rows.ts';
import { base, langFor, render } from './context.ts';
import { t, type Lang } from './i18n.ts';

type Label = { zh: string; en: string };

/** Whom a resident calls: the body that has the case, with its phone when the organisation keeps one. */
function contactOf(body: (Body & { phone?: string }) | undefined) {
  return body ? { name: body.name, phone: typeof body.phone === 'string' && body.phone.trim() ? body.phone.trim() : '' } : null;
}

/** The API's tracking view (server/cases/resident-view.ts residentView: a whitelist, nothing personal)
 * in the page's language. */
export function trackView(lang: Lang, record: CaseRecord, events: EventRecord[], services: Services) {
  const v = residentView(record, events, services.engine.now(), services.settings.deadlines.limits.acceptance);
  const say = (l: Label | null | undefined) => (l ? l[lang] : '');
  const current = record.deadlines.filter((d) => d.kind !== 'follow_up');
  return {
    caseNo: v.caseNo,
    status: v.status,
    statusLabel: say(v.statusLabel),
    tierLabel: say(v.tierLabel),
    categoryLabel: say(v.categoryLabel),
    outcomeLabel: say(v.outcomeLabel),
    nextStep: say(v.nextStep),
    nextSession: v.nextSession,
    deadlines: v.deadlines.map((d) => {
      const running = current.find((c) => c.kind === d.kind && c.dueAt === d.dueAt);
      const warning = running?.warning ?? 'none';
      const unit = countingUnit(running ?? d, services.settings.deadlines.limits);
      // the warning's colour stays (with the border), its staff name gives way to days in words
      return { kindLabel: say(d.label), dueAt: d.dueAt, warning, inDays: inDays(lang, daysLeft(services.settings.calendar(), services.engine.now(), d.dueAt, unit)) };
    }),
    contact: contactOf(services.directory.body(record.bodyId)),
    version: record.version,
    timeline: v.history.map((h) => ({ label: say(h.label), at: h.at, by: say(h.by) })).reverse(),
  };
}

const str = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : '');

export function trackPages(services: Services) {
  return (app: Application) => {
    const form = (req: Request, res: Response, opts: { error?: string; caseNo?: string; status?: number } = {}) => {
      const lang = langFor(req, res);
      const page = base(req, res, t(lang, 'track_title'));
      render(res, 'track', { ...page, heading: page.title, error: opts.error ?? '', caseNo: opts.caseNo ?? str(req.query.caseNo, 64) }, opts.status ?? 200);
    };

    app.get('/track', (req, res) => form(req, res));

    app.post('/track', async (req, res) => {
      const lang = langFor(req, res);
      const caseNo = str(req.body?.caseNo, 64);
      const code = str(req.body?.accessCode, 64);
      if (!caseNo || !code) return form(req, res, { error: t(lang, 'track_wrong'), caseNo, status: 400 });
      const opened = await openWithAccessCode(
        { store: services.store, limiter: services.accessCodeLimiter, accessCodes: services.engine.accessCodes },
        { caseNo, accessCode: code, clientAddress: req.ip ?? 'unknown' },
      );
      if (!opened.ok && opened.why === 'limited') {
        res.set('Retry-After', String(opened.retryAfterSeconds));
        return form(req, res, { error: t(lang, 'track_limited'), caseNo, status: 429 });
      }
      // an unknown case number and a wrong code get the same answer: case numbers are not probed
      if (!opened.ok) return form(req, res, { error: t(lang, 'track_wrong'), caseNo, status: 404 });
      const { record } = opened;
      const events = await services.engine.history(record.id);
      const page = base(req, res, `${t(lang, 'track_title')} · ${record.caseNo}`);
      render(res, 'track-case', {
        ...page,
        // Switching language re-posts the lookup (POST /track?lang=…) so the result stays on the
        // screen: the access code travels in the form body as it did for the lookup itself, never in
        // an address (history, logs, Referer) and never in a cookie left on a shared computer.
        switchForm: {
          action: `/track?lang=${page.switchLang}`,
          fields: [
            { name: 'caseNo', value: record.caseNo },
            { name: 'accessCode', value: code },
          ],
        },
        scripts: ['live-track.js'],
        socket: true,
        heading: t(lang, 'track_title'),
        v: trackView(lang, record, events, services),
        accessCode: code,
      });
    });
  };
}

