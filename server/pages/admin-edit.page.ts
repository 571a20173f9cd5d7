// The /admin pages behind the main one (server/pages/admin.page.ts): a user's account (edit,
// deactivate, reset the password), a unit or body of the organisation (add, edit), and a year's
// holiday schedule (paste or upload the notice → preview of the deadlines that move → confirm).
// Each form calls the use case its API route calls (server/auth/users.ts, server/org-edit.ts,
// server/admin.ts), validated with the API's schema, so the page and the API refuse and audit alike.
import type { Application, Request, Response } from 'express';
import { DEADLINE_LABELS, ROLES } from '../../workflows/vocabulary.ts';
import { calendarPreviewBody, previewCalendarYear, scheduleOf, setCalendarYear, type CalendarInput } from '../admin.ts';
import { editUserBody, resetPassword, updateUser, type UserEdit } from '../auth/users.ts';
import { DomainError, NotFound, ValidationFailed } from '../engine/errors.ts';
import { addBody, addUnit, editBodyBody, editUnitBody, newBodyBody, newUnitBody, updateBody, updateUnit, type BodyEdit, type NewBody, type NewUnit, type UnitEdit } from '../org-edit.ts';
import type { Services } from '../services.ts';
import type { UserRecord } from '../store/port.ts';
import { yearScheduleSchema } from '../settings.ts';
import { validateInput } from '../validation.ts';
import type { FieldProblem } from '../validation.ts';
import { base, langFor, render, requireRole, setFlash, userOf } from './context.ts';
import { messageFor } from './forms.ts';
import { t, type Lang } from './i18n.ts';
import { vocab } from './render.ts';

export interface FormField {
  name: string;
  id: string;
  label: string;
  type?: string;
  /** a confirmation tick box (value "yes") */
  checkbox?: boolean;
  value?: string;
  required?: boolean;
  autocomplete?: string;
  placeholder?: string;
  options?: Array<{ value: string; label: string; selected: boolean }>;
  error?: string;
}

export interface FormSpec {
  id: string;
  title: string;
  action: string;
  submit: string;
  hint?: string;
  danger?: boolean;
  fields: FormField[];
  hidden?: Array<{ name: string; value: string }>;
  errors?: Array<{ target: string; label: string; message: string }>;
}

/** Use-case messages without a joi type, in the page's words (the rule, not "内容无效"). */
const RULES: Array<[RegExp, string]> = [
  [/not your current password/, 'v_current_password'],
  [/must differ from the current/, 'v_password_same'],
  [/deactivate your own/, 'v_self_deactivate'],
  [/administrator role from yourself/, 'v_self_demote'],
  [/"bodyId"/, 'v_body_role'],
  [/"parentId"|"orgUnitId" must be a/, 'v_parent_kind'],
  [/"address" is for compounds/, 'v_address_compound'],
  [/no dates found/, 'v_no_dates'],
  [/year is not given/, 'v_year_missing'],
  [/is not in \d{4}/, 'v_dates_year'],
];

export function problemText(lang: Lang, p: Pick<FieldProblem, 'type' | 'message'>): string {
  for (const [re, key] of RULES) if (re.test(p.message ?? '')) return t(lang, key);
  return messageFor(lang, p.type, p.message);
}

/** A refused form: each problem beside its field (`rename` maps the API's field onto the form's). */
export function fieldErrors(err: DomainError, lang: Lang, rename: (field: string) => string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (err instanceof ValidationFailed && Array.isArray(err.details)) {
    for (const p of err.details as FieldProblem[]) errors[rename(String(p.field ?? ''))] ??= problemText(lang, p);
  } else if (err.code === 'DUPLICATE') {
    const field = String((err.details as { field?: string } | undefined)?.field ?? '_form');
    errors[field] = t(lang, field === 'shortName' ? 'v_short_name_taken' : field === 'orgUnitId' ? 'v_unit_served' : field === 'username' ? 'username_taken' : 'v_unit_taken');
  } else errors._form = err.message;
  return errors;
}

/** Puts the errors beside the fields and into the form's error summary. */
function withErrors(form: FormSpec, errors: Record<string, string>): FormSpec {
  const fields = form.fields.map((f) => ({ ...f, error: errors[f.name] ?? '' }));
  const summary = Object.entries(errors).map(([name, message]) => {
    const f = fields.find((x) => x.name === name);
    return { target: f?.id ?? form.id, label: f?.label ?? form.title, message };
  });
  return { ...form, fields, errors: summary };
}

const str = (v: unknown, max = 500) => (typeof v === 'string' ? v.trim().slice(0, max) : '');
const listOf = (v: string) => v.split(/[,，、;；\n]+/).map((x) => x.trim()).filter(Boolean);
const opt = (value: string, label: string, selected: string) => ({ value, label, selected: value === selected });

function formPage(req: Request, res: Response, title: string, forms: FormSpec[], extra: Record<string, unknown> = {}, status = 200): void {
  const lang = langFor(req, res);
  const page = base(req, res, title);
  render(res, 'admin-form', { ...page, heading: title, backHref: '/admin', backLabel: t(lang, 'back_to_admin'), forms, ...extra }, status);
}

function failed(err: unknown): err is DomainError {
  return err instanceof DomainError && (err.code === 'VALIDATION_FAILED' || err.code === 'DUPLICATE');
}

export function adminEditPages(services: Services) {
  const admin = requireRole(services, ['admin']);
  const org = services.directory;
  const bodyOptions = (lang: Lang, selected: string) => [
    opt('', t(lang, 'none_body'), selected),
    ...org.allBodies().sort((a, b) => a.id.localeCompare(b.id)).map((b) => opt(b.id, b.name, selected)),
  ];

  // ── a user ──────────────────────────────────────────────────────────────────────────────────
  function userForms(lang: Lang, u: UserRecord, values?: Record<string, string>, errors: Record<string, string> = {}): FormSpec[] {
    const v = values ?? {
      name: u.name,
      role: u.role,
      bodyId: u.bodyId ?? '',
      expertise: (u.profile.expertise ?? []).join('，'),
      employer: u.profile.employer ?? '',
      relatives: (u.profile.relatives ?? []).join('，'),
    };
    const edit = withErrors(
      {
        id: 'user-edit',
        title: t(lang, 'users_edit'),
        action: `/admin/users/${u.id}`,
        submit: t(lang, 'save'),
        fields: [
          { name: 'name', id: 'u-name', label: t(lang, 'name'), type: 'text', value: v.name, required: true },
          { name: 'role', id: 'u-role', label: t(lang, 'role'), options: ROLES.map((r) => opt(r, t(lang, `role_${r}`), v.role)) },
          { name: 'bodyId', id: 'u-body', label: t(lang, 'body'), options: bodyOptions(lang, v.bodyId) },
          { name: 'expertise', id: 'u-expertise', label: t(lang, 'expertise'), type: 'text', value: v.expertise },
          { name: 'employer', id: 'u-employer', label: t(lang, 'employer'), type: 'text', value: v.employer },
          { name: 'relatives', id: 'u-relatives', label: t(lang, 'relatives'), type: 'text', value: v.relatives },
        ],
      },
      errors,
    );
    const active: FormSpec = {
      id: 'user-active',
      title: u.active ? t(lang, 'deactivate_user') : t(lang, 'reactivate_user'),
      action: `/admin/users/${u.id}/active`,
      submit: u.active ? t(lang, 'deactivate_user') : t(lang, 'reactivate_user'),
      danger: u.active,
      // a grave step: ticked on purpose (the page refuses it otherwise, scripts or not)
      fields: u.active ? [{ name: 'confirm', id: 'u-confirm', label: t(lang, 'deactivate_confirm'), checkbox: true, required: true, error: errors.confirm ?? '' }] : [],
      hidden: [{ name: 'active', value: u.active ? 'false' : 'true' }],
      ...(errors.active || errors.confirm ? { errors: [{ target: errors.confirm ? 'u-confirm' : 'user-active', label: t(lang, 'active'), message: errors.active ?? errors.confirm }] } : {}),
    };
    const reset: FormSpec = { id: 'user-reset', title: t(lang, 'reset_password'), hint: t(lang, 'reset_password_hint'), action: `/admin/users/${u.id}/password-reset`, submit: t(lang, 'reset_password'), danger: true, fields: [] };
    return [edit, active, reset];
  }

  async function userOr404(id: string): Promise<UserRecord> {
    const u = await services.store.users.get(id);
    if (!u) throw new NotFound(`user ${id}`);
    return u;
  }
  const userTitle = (lang: Lang, u: UserRecord) => t(lang, 'user_edit_title', { name: `${u.name}（${u.username}）` });

  // ── a unit or a body ────────────────────────────────────────────────────────────────────────
  const unitOptions = (lang: Lang, selected: string, kinds: readonly string[]) =>
    org.allUnits().filter((u) => kinds.includes(u.kind)).map((u) => opt(u.id, `${u.name}（${t(lang, `kind_${u.kind}`)}）`, selected));

  function newUnitForm(lang: Lang, v: Record<string, string> = {}, errors: Record<string, string> = {}): FormSpec {
    return withErrors(
      {
        id: 'unit-new',
        title: t(lang, 'add_unit'),
        action: '/admin/org/units',
        submit: t(lang, 'add_unit'),
        fields: [
          { name: 'kind', id: 'n-kind', label: t(lang, 'unit_kind'), options: (['compound', 'community', 'subdistrict'] as const).map((k) => opt(k, t(lang, `kind_${k}`), v.kind ?? 'compound')) },
          { name: 'parentId', id: 'n-parent', label: t(lang, 'parent_unit'), options: unitOptions(lang, v.parentId ?? '', ['district', 'subdistrict', 'community']), placeholder: t(lang, 'choose') },
          { name: 'name', id: 'n-name', label: t(lang, 'unit_name'), type: 'text', value: v.name ?? '', required: true },
          { name: 'address', id: 'n-address', label: t(lang, 'street_address'), type: 'text', value: v.address ?? '' },
        ],
      },
      errors,
    );
  }

  function newBodyForm(lang: Lang, v: Record<string, string> = {}, errors: Record<string, string> = {}): FormSpec {
    return withErrors(
      {
        id: 'body-new',
        title: t(lang, 'add_body'),
        action: '/admin/org/bodies',
        submit: t(lang, 'add_body'),
        fields: [
          { name: 'orgUnitId', id: 'b-unit', label: t(lang, 'served_unit'), options: unitOptions(lang, v.orgUnitId ?? '', ['district', 'subdistrict', 'community']), placeholder: t(lang, 'choose') },
          { name: 'tier', id: 'b-tier', label: t(lang, 'body_tier'), options: (['community', 'subdistrict', 'district', 'court'] as const).map((k) => opt(k, vocab(lang, 'tier', k), v.tier ?? 'community')) },
          { name: 'name', id: 'b-name', label: t(lang, 'body_name'), type: 'text', value: v.name ?? '', required: true },
          { name: 'shortName', id: 'b-short', label: t(lang, 'short_name'), type: 'text', value: v.shortName ?? '', required: true },
          { name: 'committeeName', id: 'b-committee', label: t(lang, 'committee_name'), type: 'text', value: v.committeeName ?? '' },
        ],
      },
      errors,
    );
  }

  // ── the holiday calendar ────────────────────────────────────────────────────────────────────
  function calendarPage(req: Request, res: Response, state: { text?: string; year?: string; errors?: Record<string, string>; preview?: unknown } = {}, status = 200) {
    const lang = langFor(req, res);
    const page = base(req, res, t(lang, 'holiday_calendar'));
    const covered = services.settings.all.calendarYears.map((y) => ({ year: y.year, holidays: y.holidays.length, workdays: y.workdays.length, source: y.source ?? '' }));
    const errors = state.errors ?? {};
    render(
      res,
      'admin-calendar',
      {
        ...page,
        scripts: ['admin-calendar.js'],
        heading: page.title,
        covered,
        text: { value: state.text ?? '', error: errors.text ?? '' },
        year: { value: state.year ?? '', error: errors.year ?? '' },
        errorSummary: Object.entries(errors).map(([k, message]) => ({ target: k === 'year' ? 'cal-year' : 'cal-text', label: t(lang, k === 'year' ? 'calendar_year' : 'calendar_text'), message })),
        preview: state.preview,
      },
      status,
    );
  }

  function previewView(lang: Lang, p: Awaited<ReturnType<typeof previewCalendarYear>> & { parsed?: ReturnType<typeof scheduleOf>['parsed'] }) {
    const day = (iso: string) => iso.slice(0, 10);
    return {
      title: t(lang, 'calendar_preview_title', { year: p.year }),
      year: p.year,
      source: p.source ?? '',
      replaces: p.replaces,
      holidays: p.holidays,
      workdays: p.workdays,
      lines: p.parsed?.lines.map((l) => ({ ...l, holidays: l.holidays.join('、'), workdays: l.workdays.join('、') })) ?? [],
      warnings: p.parsed?.warnings ?? [],
      moves: p.moves.map((m) => ({ ...m, kindLabel: DEADLINE_LABELS[m.kind]?.[lang] ?? m.kind, oldDue: day(m.oldDueAt), newDue: day(m.newDueAt) })),
      unchangedText: p.unchanged ? t(lang, 'calendar_unchanged', { n: p.unchanged }) : '',
      hidden: { holidays: p.holidays.join(','), workdays: p.workdays.join(','), source: p.source ?? '' },
    };
  }

  return (app: Application) => {
    app.get('/admin/users/:id', admin, async (req, res) => {
      const lang = langFor(req, res);
      const u = await userOr404(String(req.params.id));
      formPage(req, res, userTitle(lang, u), userForms(lang, u));
    });

    app.post('/admin/users/:id', admin, async (req, res) => {
      const lang = langFor(req, res);
      const u = await userOr404(String(req.params.id));
      const b = (req.body ?? {}) as Record<string, unknown>;
      const values = { name: str(b.name, 100), role: str(b.role), bodyId: str(b.bodyId), expertise: str(b.expertise), employer: str(b.employer, 100), relatives: str(b.relatives) };
      const profile = { ...u.profile, employer: values.employer, relatives: listOf(values.relatives), expertise: listOf(values.expertise) };
      if (!profile.employer) delete (profile as { employer?: string }).employer;
      try {
        const edit = validateInput<UserEdit>(editUserBody, { name: values.name, role: values.role, bodyId: values.bodyId || null, profile }, 'body', false);
        await updateUser(services, userOf(req)!, u.id, edit, req.ip);
      } catch (err) {
        if (!failed(err)) throw err;
        const errors = fieldErrors(err, lang, (f) => (f.startsWith('profile.') ? f.split('.')[1] : f.split('.')[0] || '_form'));
        return formPage(req, res, userTitle(lang, u), userForms(lang, u, values, errors), {}, 400);
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'user_saved') });
      res.redirect(303, '/admin#users');
    });

    app.post('/admin/users/:id/active', admin, async (req, res) => {
      const lang = langFor(req, res);
      const u = await userOr404(String(req.params.id));
      const active = str((req.body as Record<string, unknown> | undefined)?.active) === 'true';
      if (!active && str((req.body as Record<string, unknown> | undefined)?.confirm) !== 'yes') {
        return formPage(req, res, userTitle(lang, u), userForms(lang, u, undefined, { confirm: t(lang, 'v_confirm_deactivate') }), {}, 400);
      }
      try {
        await updateUser(services, userOf(req)!, u.id, { active }, req.ip);
      } catch (err) {
        if (!failed(err)) throw err;
        return formPage(req, res, userTitle(lang, u), userForms(lang, u, undefined, fieldErrors(err, lang, () => 'active')), {}, 400);
      }
      setFlash(res, { kind: 'ok', text: t(lang, active ? 'user_reactivated' : 'user_deactivated') });
      res.redirect(303, `/admin/users/${u.id}`);
    });

    // the temporary password is shown on this answer only (never in a cookie, a redirect or the log)
    app.post('/admin/users/:id/password-reset', admin, async (req, res) => {
      const lang = langFor(req, res);
      const u = await userOr404(String(req.params.id));
      const done = await resetPassword(services, userOf(req)!, u.id, {}, req.ip);
      formPage(req, res, userTitle(lang, done.user), userForms(lang, done.user), { notice: { text: t(lang, 'reset_done'), value: done.temporaryPassword } });
    });

    app.get('/admin/org/units/new', admin, (req, res) => {
      const lang = langFor(req, res);
      formPage(req, res, t(lang, 'add_unit'), [newUnitForm(lang, { parentId: str(req.query.parentId) })]);
    });

    app.post('/admin/org/units', admin, async (req, res) => {
      const lang = langFor(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const v = { kind: str(b.kind), parentId: str(b.parentId), name: str(b.name, 100), address: str(b.address, 200) };
      try {
        const body = validateInput<NewUnit>(newUnitBody, { kind: v.kind, parentId: v.parentId || null, name: v.name, ...(v.address ? { address: v.address } : {}) }, 'body', false);
        await addUnit(services, userOf(req)!, body, req.ip);
      } catch (err) {
        if (!failed(err)) throw err;
        return formPage(req, res, t(lang, 'add_unit'), [newUnitForm(lang, v, fieldErrors(err, lang, (f) => f.split('.')[0] || '_form'))], {}, 400);
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'org_saved') });
      res.redirect(303, '/admin#org');
    });

    const unitForm = (lang: Lang, id: string, v: Record<string, string>, errors: Record<string, string> = {}) =>
      withErrors(
        {
          id: 'unit-edit',
          title: t(lang, 'users_edit'),
          action: `/admin/org/units/${id}`,
          submit: t(lang, 'save'),
          fields: [
            { name: 'name', id: 'e-name', label: t(lang, 'unit_name'), type: 'text', value: v.name, required: true },
            ...(v.kind === 'compound' ? [{ name: 'address', id: 'e-address', label: t(lang, 'street_address'), type: 'text', value: v.address }] : []),
            { name: 'order', id: 'e-order', label: t(lang, 'display_order'), type: 'number', value: v.order },
          ],
        },
        errors,
      );

    app.get('/admin/org/units/:id', admin, (req, res) => {
      const lang = langFor(req, res);
      const u = org.unit(String(req.params.id));
      if (!u) throw new NotFound('unit');
      formPage(req, res, t(lang, 'unit_edit_title', { name: u.name }), [unitForm(lang, u.id, { kind: u.kind, name: u.name, address: u.address ?? '', order: String(u.order) })]);
    });

    app.post('/admin/org/units/:id', admin, async (req, res) => {
      const lang = langFor(req, res);
      const u = org.unit(String(req.params.id));
      if (!u) throw new NotFound('unit');
      const b = (req.body ?? {}) as Record<string, unknown>;
      const v = { kind: u.kind, name: str(b.name, 100), address: str(b.address, 200), order: str(b.order, 10) };
      try {
        const edit = validateInput<UnitEdit>(
          editUnitBody,
          { name: v.name, ...(u.kind === 'compound' ? { address: v.address } : {}), ...(v.order ? { order: /^\d+$/.test(v.order) ? Number(v.order) : v.order } : {}) },
          'body',
          false,
        );
        await updateUnit(services, userOf(req)!, u.id, edit, req.ip);
      } catch (err) {
        if (!failed(err)) throw err;
        return formPage(req, res, t(lang, 'unit_edit_title', { name: u.name }), [unitForm(lang, u.id, v, fieldErrors(err, lang, (f) => f.split('.')[0] || '_form'))], {}, 400);
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'org_saved') });
      res.redirect(303, '/admin#org');
    });

    app.get('/admin/org/bodies/new', admin, (req, res) => {
      const lang = langFor(req, res);
      formPage(req, res, t(lang, 'add_body'), [newBodyForm(lang, { orgUnitId: str(req.query.orgUnitId) })]);
    });

    app.post('/admin/org/bodies', admin, async (req, res) => {
      const lang = langFor(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const v = { orgUnitId: str(b.orgUnitId), tier: str(b.tier), name: str(b.name, 100), shortName: str(b.shortName, 20), committeeName: str(b.committeeName, 100) };
      try {
        const body = validateInput<NewBody>(newBodyBody, { ...v, ...(v.committeeName ? {} : { committeeName: undefined }) }, 'body', false);
        await addBody(services, userOf(req)!, body, req.ip);
      } catch (err) {
        if (!failed(err)) throw err;
        return formPage(req, res, t(lang, 'add_body'), [newBodyForm(lang, v, fieldErrors(err, lang, (f) => f.split('.')[0] || '_form'))], {}, 400);
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'org_saved') });
      res.redirect(303, '/admin#org');
    });

    const bodyForm = (lang: Lang, id: string, v: Record<string, string>, errors: Record<string, string> = {}) =>
      withErrors(
        {
          id: 'body-edit',
          title: t(lang, 'users_edit'),
          action: `/admin/org/bodies/${id}`,
          submit: t(lang, 'save'),
          fields: [
            { name: 'name', id: 'be-name', label: t(lang, 'body_name'), type: 'text', value: v.name, required: true },
            { name: 'shortName', id: 'be-short', label: t(lang, 'short_name'), type: 'text', value: v.shortName, required: true },
            { name: 'committeeName', id: 'be-committee', label: t(lang, 'committee_name'), type: 'text', value: v.committeeName },
          ],
        },
        errors,
      );

    app.get('/admin/org/bodies/:id', admin, (req, res) => {
      const lang = langFor(req, res);
      const body = org.body(String(req.params.id));
      if (!body) throw new NotFound('body');
      formPage(req, res, t(lang, 'body_edit_title', { name: body.name }), [bodyForm(lang, body.id, { name: body.name, shortName: body.shortName, committeeName: body.committeeName ?? '' })]);
    });

    app.post('/admin/org/bodies/:id', admin, async (req, res) => {
      const lang = langFor(req, res);
      const body = org.body(String(req.params.id));
      if (!body) throw new NotFound('body');
      const b = (req.body ?? {}) as Record<string, unknown>;
      const v = { name: str(b.name, 100), shortName: str(b.shortName, 20), committeeName: str(b.committeeName, 100) };
      try {
        await updateBody(services, userOf(req)!, body.id, validateInput<BodyEdit>(editBodyBody, v, 'body', false), req.ip);
      } catch (err) {
        if (!failed(err)) throw err;
        return formPage(req, res, t(lang, 'body_edit_title', { name: body.name }), [bodyForm(lang, body.id, v, fieldErrors(err, lang, (f) => f.split('.')[0] || '_form'))], {}, 400);
      }
      setFlash(res, { kind: 'ok', text: t(lang, 'org_saved') });
      res.redirect(303, '/admin#org');
    });

    app.get('/admin/calendar', admin, (req, res) => calendarPage(req, res));

    app.post('/admin/calendar/preview', admin, async (req, res) => {
      const lang = langFor(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const text = typeof b.text === 'string' ? b.text.slice(0, 100_000) : '';
      const year = str(b.year, 4);
      try {
        const input = validateInput<CalendarInput>(calendarPreviewBody, { text, ...(year ? { year: /^\d{4}$/.test(year) ? Number(year) : year } : {}) }, 'body', false);
        const { schedule, parsed } = scheduleOf(input);
        const preview = await previewCalendarYear(services, schedule);
        return calendarPage(req, res, { text, year: String(schedule.year), preview: previewView(lang, { ...preview, ...(parsed ? { parsed } : {}) }) });
      } catch (err) {
        if (!(err instanceof ValidationFailed)) throw err;
        return calendarPage(req, res, { text, year, errors: fieldErrors(err, lang, (f) => (f.startsWith('year') ? 'year' : 'text')) }, 400);
      }
    });

    // confirming: the schedule the preview showed, through the same use case as POST /api/admin/calendar
    app.post('/admin/calendar', admin, async (req, res) => {
      const lang = langFor(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const days = (v: unknown) => str(v, 2000).split(',').filter(Boolean);
      const source = str(b.source, 300);
      const schedule = validateInput<{ year: number; holidays: string[]; workdays: string[]; source?: string }>(
        yearScheduleSchema,
        { year: Number(str(b.year, 4)), holidays: days(b.holidays), workdays: days(b.workdays), ...(source ? { source } : {}) },
        'body',
        false,
      );
      await setCalendarYear(services, userOf(req)!, schedule, req.ip);
      setFlash(res, { kind: 'ok', text: t(lang, 'calendar_saved', { year: schedule.year }) });
      res.redirect(303, '/admin/calendar');
    });
  };
}
