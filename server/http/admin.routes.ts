// Administration (administrators only; 403 for every other role): the chain check, the workflow
// migration dry run, users, the audit log, run-time settings, the holiday calendar, and — only
// when started with TEST_CLOCK=1, never in production — the test clock. Every change is written to
// the audit log with its actor, time and client address.
import Joi from 'joi';
import { CURRENT_VERSION, migrationReport, WORKFLOWS, type PersistedSnapshot } from '../../workflows/registry.ts';
import { createUser, newUserBody, type NewUser } from '../auth/users.ts';
import { isoShanghai } from '../engine/clock.ts';
import { verifyStore } from '../engine/verify.ts';
import type { Services } from '../services.ts';
import { yearScheduleSchema, type RuntimeSettings, type SettingsPatch } from '../settings.ts';
import { changeRuntimeSettings, runtimeSettingsBody } from '../admin.ts';
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
  return { ...publicUser(u, services.directory.allBodies()), active: u.active, createdAt: u.createdAt, profile: u.profile };
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
        summary: "Checks every case's hash chain and names the first broken link of each",
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
            }),
          },
        },
      },
      () => verifyStore(store),
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
      async ({ body, user, req }) => {
        await services.settings.setCalendarYear(body);
        await audit('calendar.year', user!.id, req.ip, { year: body.year, holidays: body.holidays.length, workdays: body.workdays.length });
        return { year: body.year, coveredYears: services.settings.calendar().coveredYears() };
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
