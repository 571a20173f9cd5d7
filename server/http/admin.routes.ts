// Administration (administrators only; 403 for every other role): the chain check, the workflow
// migration dry run, users, the audit log, run-time settings, the holiday calendar, and — only
// when started with TEST_CLOCK=1, never in production — the test clock. Every change is written to
// the audit log with its actor, time and client address.
import Joi from 'joi';
import { CURRENT_VERSION, migrationReport, WORKFLOWS, type PersistedSnapshot } from '../../workflows/registry.ts';
import { createUser, editUserBody, newUserBody, passwordResetBody, resetPassword, updateUser, type NewUser, type UserEdit } from '../auth/users.ts';
import { isoShanghai } from '../engine/clock.ts';
import { NotFound } from '../engine/errors.ts';
import { verifyStore } from '../engine/verify.ts';
import { readAnchors } from '../integrity/anchor-log.ts';
import { merkleStatement } from '../integrity/merkle.ts';
import type { Services } from '../services.ts';
import { yearScheduleSchema, type RuntimeSettings, type SettingsPatch } from '../settings.ts';
import { calendarPreviewBody, changeRuntimeSettings, previewCalendarYear, runtimeSettingsBody, scheduleOf, setCalendarYear, type CalendarInput } from '../admin.ts';
import { addBody, addUnit, editBodyBody, editUnitBody, newBodyBody, newUnitBody, updateBody, updateUnit, type BodyEdit, type NewBody, type NewUnit, type UnitEdit } from '../org-edit.ts';
import { rolesFor } from '../policy.ts';
import type { UserRecord } from '../store/port.ts';
import { publicUser } from './auth.routes.ts';
import { defineRoute, type RouteDef } from './validate.ts';
import { obj, ref } from './api-schemas.ts';

// ── settings ───────────────────────────────────────────────────────────────────────────────────

/** What GET /api/admin/settings shows and PUT changes (the company rules are /api/oversight/settings'). */
function settingsView(s: Readonly<RuntimeSettings>) {
  return { deadlines: s.deadlines, routing: s.routing, recurrenceDays: s.recurrenceDays, caseNoDigits: s.caseNoDigits, calendarYears: s.calendarYears };
}

// ── users ──────────────────────────────────────────────────────────────────────────────────────

function adminUserView(u: UserRecord, services: Services) {
  return {
    ...publicUser(u, services.directory.allBodies()),
    active: u.active,
    createdAt: u.createdAt,
    profile: u.profile,
    ...(u.mustChangePassword ? { mustChangePassword: true } : {}),
  };
}

// ── the calendar ───────────────────────────────────────────────────────────────────────────────

// ── the routes ─────────────────────────────────────────────────────────────────────────────────

export function adminRoutes(services: Services): RouteDef[] {
  const { store } = services;
  const admin = rolesFor('admin');
  const audit = (action: string, actor: string, ip: string | undefined, detail: unknown) =>
    store.audit.append({ at: isoShanghai(new Date()), actor, action, ip: ip ?? null, detail });

  const routes: RouteDef[] = [
    defineRoute(
      {
        method: 'get',
        path: '/api/admin/verify',
        summary: "Checks every case's hash chain and names the first broken link of each; with the embedded store, also against the anchor log (missing, rewritten or altered cases)",
        tags: ['admin'],
        auth: admin,
        responses: {
          200: {
            description: 'the result',
            schema: obj({
              ok: { type: 'boolean' },
              cases: { type: 'integer' },
              events: { type: 'integer' },
              broken: { type: 'array', items: obj({ caseId: { type: 'string' }, caseNo: { type: 'string' }, seq: { type: 'integer' }, problem: { type: 'string' } }) },
              anchors: {
                ...obj({
                  lines: { type: 'integer' },
                  cases: { type: 'integer' },
                  damagedLines: { type: 'array', items: { type: 'integer' } },
                  tornLines: { type: 'array', items: { type: 'integer' } },
                  notAnchored: { type: 'array', items: obj({ caseId: { type: 'string' }, caseNo: { type: 'string' }, fromSeq: { type: 'integer' }, toSeq: { type: 'integer' } }) },
                }),
                nullable: true,
                description: 'the embedded store: the cases checked against the anchor log beside it; null without one',
              },
            }),
          },
        },
      },
      // the anchors are read before the store is scanned: a commit landing meanwhile is at most "not anchored"
      () => verifyStore(store, { anchors: services.anchorFile ? readAnchors(services.anchorFile) : null }),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/admin/anchors/merkle',
        summary: 'The Merkle root of every case\'s anchored head (at the end of a Shanghai day, or now), for a third party; with the inclusion proof of one case',
        tags: ['admin'],
        auth: admin,
        query: Joi.object({ day: Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/), caseId: Joi.string().max(200) }),
        responses: {
          200: {
            description: 'the statement',
            schema: ref('MerkleStatement'),
          },
          404: { description: 'no anchor log (MongoDB store)' },
        },
      },
      ({ query }) => {
        if (!services.anchorFile) throw new NotFound('anchor log (kept for the embedded store only)');
        return merkleStatement(readAnchors(services.anchorFile).lines, { day: query.day as string | undefined, caseId: query.caseId as string | undefined });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/admin/workflows/migration-report',
        summary: 'Dry run: which running cases could move from one workflow version to another',
        tags: ['admin'],
        auth: admin,
        query: Joi.object({
          from: Joi.string().valid(...Object.keys(WORKFLOWS)),
          to: Joi.string()
            .valid(...Object.keys(WORKFLOWS))
            .default(CURRENT_VERSION),
        }),
        responses: {
          200: {
            description: 'the report (nothing is changed)',
            schema: obj({ from: { type: 'string' }, to: { type: 'string' }, movable: { type: 'array', items: { type: 'object' } }, blocked: { type: 'array', items: { type: 'object' } } }),
          },
        },
      },
      async ({ query }) => {
        const to: string = query.to;
        const from: string = query.from ?? Object.keys(WORKFLOWS).find((v) => v !== to) ?? to;
        const cases: Array<{ id: string; caseNo: string; workflowVersion: string; snapshot: PersistedSnapshot }> = [];
        for (let after: string | null = null; ; ) {
          const page = await store.cases.scan(after, 500);
          if (page.length === 0) break;
          for (const r of page) if (r.workflowVersion === from) cases.push({ id: r.id, caseNo: r.caseNo, workflowVersion: r.workflowVersion, snapshot: r.snapshot as PersistedSnapshot });
          after = page[page.length - 1].id;
        }
        return migrationReport(cases, from, to);
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/admin/users',
        summary: 'Every user account (without password hashes)',
        tags: ['admin'],
        auth: admin,
        responses: { 200: { description: 'the users', schema: { type: 'array', items: ref('AdminUser') } } },
      },
      async () => (await store.users.list()).map((u) => adminUserView(u, services)),
    ),

    defineRoute<NewUser>(
      {
        method: 'post',
        path: '/api/admin/users',
        summary: 'Create a user account with a role and, for staff, their body',
        tags: ['admin'],
        auth: admin,
        body: newUserBody,
        status: 201,
        responses: { 201: { description: 'created', schema: obj({ user: ref('AdminUser') }) }, 409: { description: 'DUPLICATE: the username is taken' } },
      },
      async ({ body, user, req }) => ({ user: adminUserView(await createUser(services, user!, body, req.ip), services) }),
    ),

    defineRoute<UserEdit>(
      {
        method: 'patch',
        path: '/api/admin/users/:id',
        summary: "Edit a user's name, role, body or profile; `active: false` deactivates (every session and live socket ends at once), `active: true` reactivates",
        tags: ['admin'],
        auth: admin,
        body: editUserBody,
        responses: {
          200: { description: 'the user as now', schema: obj({ user: ref('AdminUser') }) },
          400: { description: 'VALIDATION_FAILED: the body does not suit the role, or an administrator deactivating or demoting themselves' },
          404: { description: 'no such user' },
        },
      },
      async ({ body, params, user, req }) => ({ user: adminUserView(await updateUser(services, user!, params.id, body, req.ip), services) }),
    ),

    defineRoute<{ temporaryPassword?: string }>(
      {
        method: 'post',
        path: '/api/admin/users/:id/password-reset',
        summary: "Reset a user's password: their sessions and sockets end, the account is unlocked, and the next sign-in must choose a new password first",
        tags: ['admin'],
        auth: admin,
        body: passwordResetBody,
        idempotent: false,
        responses: {
          200: {
            description: 'reset; the temporary password is answered once (the one given, or a generated one) and never stored',
            schema: ref('PasswordReset'),
          },
          404: { description: 'no such user' },
        },
      },
      async ({ body, params, user, req, res }) => {
        res.set('Cache-Control', 'no-store');
        const done = await resetPassword(services, user!, params.id, body, req.ip);
        return { user: adminUserView(done.user, services), temporaryPassword: done.temporaryPassword, generated: done.generated };
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/admin/org',
        summary: 'The organisation as flat lists: every unit (compounds with their addresses) and every body (with its committee name)',
        tags: ['admin'],
        auth: admin,
        responses: { 200: { description: 'units and bodies', schema: ref('AdminOrg') } },
      },
      () => ({ units: services.directory.allUnits(), bodies: services.directory.allBodies() }),
    ),

    defineRoute<NewUnit>(
      {
        method: 'post',
        path: '/api/admin/org/units',
        summary: 'Add a unit: a sub-district under a district, a community under a sub-district, a compound (with its street address) under a community',
        tags: ['admin'],
        auth: admin,
        body: newUnitBody,
        status: 201,
        responses: { 201: { description: 'added', schema: obj({ unit: ref('OrgUnit') }) }, 409: { description: 'DUPLICATE: a sibling has that name' } },
      },
      async ({ body, user, req }) => ({ unit: await addUnit(services, user!, body, req.ip) }),
    ),

    defineRoute<UnitEdit>(
      {
        method: 'patch',
        path: '/api/admin/org/units/:id',
        summary: "Rename a unit, change a compound's street address (empty removes it) or the order among its siblings; units are never moved",
        tags: ['admin'],
        auth: admin,
        body: editUnitBody,
        responses: { 200: { description: 'the unit as now', schema: obj({ unit: ref('OrgUnit') }) }, 404: { description: 'no such unit' } },
      },
      async ({ body, params, user, req }) => ({ unit: await updateUnit(services, user!, params.id, body, req.ip) }),
    ),

    defineRoute<NewBody>(
      {
        method: 'post',
        path: '/api/admin/org/bodies',
        summary: "Add a body serving a unit of its tier's kind (a court: at a district), with its short name for case numbers and its committee's name",
        tags: ['admin'],
        auth: admin,
        body: newBodyBody,
        status: 201,
        responses: { 201: { description: 'added', schema: obj({ body: ref('MediationBody') }) }, 409: { description: 'DUPLICATE: the unit has a body of that tier, or the short name is taken' } },
      },
      async ({ body, user, req }) => ({ body: await addBody(services, user!, body, req.ip) }),
    ),

    defineRoute<BodyEdit>(
      {
        method: 'patch',
        path: '/api/admin/org/bodies/:id',
        summary: "Change a body's name, short name (new case numbers only) or committee name (empty removes it)",
        tags: ['admin'],
        auth: admin,
        body: editBodyBody,
        responses: { 200: { description: 'the body as now', schema: obj({ body: ref('MediationBody') }) }, 404: { description: 'no such body' } },
      },
      async ({ body, params, user, req }) => ({ body: await updateBody(services, user!, params.id, body, req.ip) }),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/admin/audit',
        summary: 'The audit log, newest first (sign-ins, accounts, settings, documents, the test clock)',
        tags: ['admin'],
        auth: admin,
        query: Joi.object({ limit: Joi.number().integer().min(1).max(1000).default(100) }),
        responses: { 200: { description: 'entries {at, actor, action, ip, detail}', schema: obj({ items: { type: 'array', items: ref('AuditEntry') } }) } },
      },
      async ({ query }) => ({ items: await store.audit.list(query.limit) }),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/admin/settings',
        summary: 'Run-time settings: deadline limits, warning fractions, follow-up offsets, routing rules, recurrence window, case-number padding (caseNoDigits), calendar years',
        tags: ['admin'],
        auth: admin,
        responses: { 200: { description: 'the settings in force', schema: ref('AdminSettings') } },
      },
      () => settingsView(services.settings.all),
    ),

    defineRoute<SettingsPatch>(
      {
        method: 'put',
        path: '/api/admin/settings',
        summary: 'Change run-time settings (any part may be left out); validated, saved, in force at once for new events',
        tags: ['admin'],
        auth: admin,
        body: runtimeSettingsBody,
        responses: { 200: { description: 'the settings now in force', schema: ref('AdminSettings') } },
      },
      async ({ body, user, req }) => settingsView(await changeRuntimeSettings(services, user!, body, req.ip)),
    ),

    defineRoute<{ year: number; holidays: string[]; workdays: string[]; source?: string }>(
      {
        method: 'post',
        path: '/api/admin/calendar',
        summary: "Add or replace a year's published holidays and make-up working days (国务院办公厅 notice)",
        tags: ['admin'],
        auth: admin,
        body: yearScheduleSchema,
        responses: { 200: { description: 'the years the calendar now covers', schema: obj({ year: { type: 'integer' }, coveredYears: { type: 'array', items: { type: 'integer' } } }) } },
      },
      async ({ body, user, req }) => ({ year: body.year, coveredYears: await setCalendarYear(services, user!, body, req.ip) }),
    ),

    defineRoute<CalendarInput>(
      {
        method: 'post',
        path: '/api/admin/calendar/preview',
        summary: "Preview a year's holiday schedule before setting it: the dates read (from the notice's text or given), and which provisional deadlines would move. Changes nothing",
        tags: ['admin'],
        auth: admin,
        body: calendarPreviewBody,
        idempotent: false,
        responses: {
          200: {
            description: 'the schedule POST /api/admin/calendar would take, and the moves',
            schema: ref('CalendarPreview'),
          },
          400: { description: 'VALIDATION_FAILED: no dates or no year in the text, or dates outside the year' },
        },
      },
      async ({ body }) => {
        const { schedule, parsed } = scheduleOf(body);
        return { ...(await previewCalendarYear(services, schedule)), ...(parsed ? { parsed } : {}) };
      },
    ),
  ];

  // the test clock exists only with TEST_CLOCK=1 (refused in production by config): otherwise the
  // route is not there at all
  const testClock = services.testClock;
  if (testClock) {
    routes.push(
      defineRoute<{ advanceMinutes: number }>(
        {
          method: 'post',
          path: '/api/admin/clock',
          summary: "Test clock (TEST_CLOCK=1 only): move the engine's clock forward and fire every timer that came due",
          tags: ['admin'],
          auth: admin,
          body: Joi.object({ advanceMinutes: Joi.number().integer().min(1).max(2 * 366 * 24 * 60).required() }),
          responses: { 200: { description: 'the new time', schema: obj({ now: ref('Instant'), fired: { type: 'integer' } }) } },
        },
        async ({ body, user, req }) => {
          const now = isoShanghai(testClock.advance(body.advanceMinutes * 60_000));
          const fired = await services.scheduler.runDue();
          await audit('clock.advanced', user!.id, req.ip, { advanceMinutes: body.advanceMinutes, now, fired });
          return { now, fired };
        },
      ),
    );
  }
  return routes;
}
