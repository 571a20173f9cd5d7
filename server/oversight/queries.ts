// The oversight queries the API (server/http/oversight.routes.ts) and the dashboard page both ask:
// statistics, company warnings and the reconciliation of an office's list, over the caller's
// jurisdiction (policy.ts caseScope), a period and an org unit. One instance per running product:
// it starts the one-off projection rebuild and every query waits for it, so none answers from a
// half-built projection.
import { Forbidden, NotFound, ValidationFailed } from '../engine/errors.ts';
import { caseScope } from '../policy.ts';
import type { Services } from '../services.ts';
import type { OversightQuery, UserRecord } from '../store/port.ts';
import { computeCompanies } from './companies.ts';
import type { Names } from './ledger-format.ts';
import { factsIndexFor } from './memory.ts';
import { projectionCaughtUp } from './projector.ts';
import { rebuildOversight } from './rebuild.ts';
import { reconcile } from './reconcile.ts';
import { computeStats, monthlyTable, type Grouping, type MonthlyTable } from './stats.ts';
import type { Table } from './tables.ts';
import { isoShanghai } from '../engine/clock.ts';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface ScopeInput {
  from?: string;
  to?: string;
  orgUnitId?: string;
}

function createQueries(services: Services) {
  const { store, directory } = services;
  // cases committed before the projection existed are projected once, in the background
  const ready = rebuildOversight(store, services.settings.calendar(), { lookup: { userName: (id) => directory.user(id)?.name } }).catch((err: unknown) => {
    services.logger.error({ err }, 'oversight projection rebuild failed');
  });
  const settled = async () => {
    if (!store.oversight) throw new NotFound('oversight (this store has no oversight projection)');
    await ready;
    // everything committed before this read is in the projection (server/oversight/projector.ts)
    await projectionCaughtUp(store);
  };
  // statistics are summed from an in-memory copy of the projection, kept current by change number
  const index = factsIndexFor(store);
  void ready.then(() => index?.refresh()).catch((err: unknown) => services.logger.error({ err }, 'oversight index warm-up failed'));

  const names: Names = {
    unit: (id) => directory.unit(id)?.name,
    body: (id) => directory.body(id)?.name,
  };

  /** The caller's jurisdiction, the period and the org unit asked for, as a projection query. */
  function scopeOf(user: UserRecord, input: ScopeInput): OversightQuery {
    const q: OversightQuery = { ...caseScope(user, directory) };
    delete (q as Record<string, unknown>).courtId;
    delete (q as Record<string, unknown>).expertId;
    // one form for every time the answers echo: ISO 8601 with +08:00, whatever offset was sent
    if (input.from) q.from = DATE_RE.test(input.from) ? `${input.from}T00:00:00.000+08:00` : isoShanghai(new Date(input.from));
    if (input.to) q.to = DATE_RE.test(input.to) ? `${input.to}T23:59:59.999+08:00` : isoShanghai(new Date(input.to));
    if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) {
      throw new ValidationFailed('"from" is after "to"', [{ field: 'from', in: 'query', message: '"from" must not be after "to"' }]);
    }
    if (input.orgUnitId) {
      const unit = directory.unit(input.orgUnitId);
      if (!unit) {
        throw new ValidationFailed('unknown orgUnitId', [{ field: 'orgUnitId', in: 'query', message: 'no such unit in the organisation tree' }]);
      }
      if (unit.kind === 'subdistrict') q.subdistrictId = unit.id;
      else if (unit.kind === 'community') q.communityId = unit.id;
      else if (unit.kind === 'compound') q.compoundId = unit.id;
      else {
        // a district: its sub-districts' cases (one district per installation today)
        const subs = directory.allUnits().filter((u) => u.kind === 'subdistrict' && u.parentId === unit.id);
        if (subs.length === 0) q.bodyIds = [];
      }
    }
    return q;
  }

  const audit = (user: UserRecord, action: string, detail: unknown, ip: string | undefined) =>
    store.audit.append({ at: isoShanghai(new Date()), actor: user.id, action, ip: ip ?? null, detail }).catch(() => {});

  return {
    settled,
    index,
    names,
    scopeOf,
    audit,
    async stats(user: UserRecord, input: ScopeInput & { groupBy?: Grouping }) {
      await settled();
      return computeStats(index!, scopeOf(user, input), { satisfiedAtLeast: services.settings.satisfiedAtLeast, groupBy: input.groupBy, unitName: names.unit });
    },
    /** 月报: the monthly table per body and district — administrators, and the mediators of a
     * sub-district centre or the district committee (their jurisdiction); a community room: 403 */
    async monthly(user: UserRecord, input: { month: string; orgUnitId?: string }): Promise<MonthlyTable> {
      if (user.role !== 'admin') {
        const tier = user.bodyId ? directory.body(user.bodyId)?.tier : undefined;
        if (user.role !== 'mediator' || (tier !== 'subdistrict' && tier !== 'district')) {
          throw new Forbidden('the monthly table is for the sub-district and district bodies and administrators');
        }
      }
      await settled();
      return monthlyTable(store, directory, scopeOf(user, { orgUnitId: input.orgUnitId }), input.month, names, input.orgUnitId);
    },
    async companies(user: UserRecord, input: ScopeInput) {
      await settled();
      return computeCompanies(store, scopeOf(user, input), services.settings.companyRules);
    },
    /** 对账销号: an office's list against the caller's ledger; audited */
    async reconcile(user: UserRecord, table: Table, input: ScopeInput, ip: string | undefined) {
      await settled();
      const q = scopeOf(user, input);
      const report = await reconcile(store, table, { query: q, names, timeoutMs: services.config.uploadParseTimeoutMs });
      void audit(user, 'ledger.reconcile', { from: q.from ?? null, to: q.to ?? null, summary: report.summary }, ip);
      return report;
    },
  };
}

export type OversightQueries = ReturnType<typeof createQueries>;

const instances = new WeakMap<Services, OversightQueries>();

/** The product's oversight queries (created, and the projection rebuild started, on first use). */
export function oversightQueries(services: Services): OversightQueries {
  let q = instances.get(services);
  if (!q) instances.set(services, (q = createQueries(services)));
  return q;
}
