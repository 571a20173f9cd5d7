// Oversight (API.md "Oversight"): statistics, the ledger (台账) and its reconciliation (对账销号),
// property-service company warnings, a case's related cases (倒查) and the settings behind them.
// Supervisors and administrators see everything; mediators their own jurisdiction (policy.ts).
// Everything is read from the oversight projection (server/oversight), never by re-reading cases.
import Joi from 'joi';
import type { Services } from '../services.ts';
import { readableCase } from '../cases/access.ts';
import { ValidationFailed } from '../engine/errors.ts';
import { rolesFor } from '../policy.ts';
import { CaseNoScope, ledgerLinePages, ledgerPages, scopedEntries, scopedLines, writeLedgerCsv, writeLedgerJson, writeLedgerXlsx } from '../oversight/ledger.ts';
import { relatedCasesFor } from '../cases/presenter.ts';
import type { RuntimeSettings, SettingsPatch } from '../settings.ts';
import { changeOversightSettings, oversightSettingsBody } from '../admin.ts';
import { GROUPINGS } from '../oversight/stats.ts';
import { writeMonthlyXlsx } from '../oversight/monthly-xlsx.ts';
import { tableOfRecords, type Table } from '../oversight/tables.ts';
import { readTable, tableLimits } from '../oversight/table-pool.ts';
import { acceptUpload, type Upload, XLSX_TYPE } from './upload.ts';
import { oversightQueries } from '../oversight/queries.ts';
import { defineRoute, type RouteDef } from './validate.ts';
import { ref } from './api-schemas.ts';
import { isoShanghai } from '../engine/clock.ts';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** A day (YYYY-MM-DD, Shanghai) or an ISO instant with its offset, years 2000–2100. */
const when = () =>
  Joi.string()
    .max(40)
    .custom((v: string, h) => {
      const y = Number(v.slice(0, 4));
      const day = v.slice(0, 10);
      const real = !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
      if (!real || y < 2000 || y > 2100 || !(DATE_RE.test(v) || (INSTANT_RE.test(v) && !Number.isNaN(Date.parse(v))))) {
        return h.error('when.format');
      }
      return v;
    }, 'date or instant')
    .messages({ 'when.format': '{{#label}} must be a date (YYYY-MM-DD) or an ISO-8601 time with its offset, years 2000–2100' });

const scopeQuery = {
  from: when().description('registered on or after (a day counts from 00:00 Shanghai time)'),
  to: when().description('registered on or before (a day counts to 24:00 Shanghai time)'),
  orgUnitId: Joi.string()
    .pattern(/^[A-Za-z0-9._-]{1,80}$/)
    .description('a district, sub-district, community or compound of GET /api/org'),
};


/** What /api/oversight/settings shows: the company rules, the satisfied score, the recurrence window. */
function oversightView(s: Readonly<RuntimeSettings>) {
  return { companyRules: s.companyRules, satisfiedAtLeast: s.satisfiedAtLeast, recurrenceDays: s.recurrenceDays };
}

export function oversightRoutes(services: Services): RouteDef[] {
  const { store } = services;
  // the projection, the caller's scope and the queries are shared with the dashboard page
  const oversight = oversightQueries(services);
  const { settled, names, scopeOf, audit } = oversight;

  const readers = rolesFor('oversight:read');

  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/stats',
        summary: 'Statistics over the caller’s jurisdiction',
        description:
          'Cases registered in [from, to] (all time without them). Rates are fractions 0–1, null when nothing to divide by. ' +
          'settledWithinSubdistrictRate (不出街镇率) = settled at community or sub-district ÷ settled; resolutionRate = settled ÷ ' +
          '(settled + terminated or referred to court); performanceRate = clauses fully performed ÷ clauses checked on follow-up ' +
          'visits; satisfaction = visits scoring ≥ satisfiedAtLeast (default 4/5) ÷ visits; medianDaysToSettle in working days ' +
          'from registration to the agreement taking effect; overdue = cases a deadline of which expired at some point; red = ' +
          'cases showing a red warning now; recurrences = cases linked to an earlier one (倒查). Issue 16 §4: agreementAmount ' +
          '(协议涉及金额, yuan) and byAgreementForm {written, oral} (协议形式) of the settled cases; people (涉及人数), households; ' +
          'confirmationApplied / confirmed / confirmationRefused (司法确认 and its result); preventsCriminal / preventsMass (防止民转刑 / ' +
          '防止群体性事件); byIntakeMode (受理方式), byOrgType (调解组织类型), byDisputeType (纠纷类型: this product\'s own numbering, ' +
          'unverified). groupBy adds the same metrics per month, sub-district, community, compound, category, tier, intakeMode, ' +
          'orgType or disputeType (name: the unit\'s name or the code\'s Chinese label).',
        tags: ['oversight'],
        auth: readers,
        query: Joi.object({ ...scopeQuery, groupBy: Joi.string().valid(...GROUPINGS) }),
        responses: { 200: { description: 'the statistics', schema: ref('Stats') } },
      },
      async ({ query, user }) => oversight.stats(user!, query),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/stats/monthly',
        summary: 'The monthly table (月报): one line per mediation body, a total per district',
        description:
          'Cases registered in the month (Shanghai time; default: this month), at the body holding them now, in the caller\'s jurisdiction ' +
          '(narrowed to orgUnitId and below when given). Per body and per district: registered (登记), accepted (受理), settled (调解成功), ' +
          'failed (调解不成), resolutionRate, agreementAmount (协议涉及金额, yuan, of the settled cases), people (涉及人数), households, ' +
          'confirmationApplied / confirmed (司法确认), preventsCriminal (防止民转刑), preventsMass (防止群体性事件), byDisputeType (纠纷类型 codes: ' +
          'this product\'s own numbering, unverified against an official table) and byIntakeMode (受理方式). Every body of the jurisdiction is ' +
          'listed, with zeros when it has nothing to report. format=xlsx: the same table as one worksheet. Administrators and the ' +
          'mediators of sub-district and district bodies; a community mediator → 403.',
        tags: ['oversight'],
        auth: readers,
        query: Joi.object({
          month: Joi.string()
            .pattern(/^20\d{2}-(0[1-9]|1[0-2])$/)
            .description('YYYY-MM (Shanghai); default: the current month')
            .messages({ 'string.pattern.base': '{{#label}} must be a month YYYY-MM' }),
          orgUnitId: scopeQuery.orgUnitId,
          format: Joi.string().valid('json', 'xlsx').default('json'),
        }),
        responses: {
          200: {
            description: 'the monthly table: JSON, or XLSX with format=xlsx',
            schema: ref('MonthlyTable'),
            media: { [XLSX_TYPE]: { type: 'string', format: 'binary', description: 'one worksheet: the bodies, a subtotal per district, the total' } },
          },
          403: { description: 'FORBIDDEN: a community room, the court or an expert' },
        },
      },
      async ({ query, user, req, res }) => {
        const month = query.month ?? isoShanghai(services.clock.now()).slice(0, 7);
        const table = await oversight.monthly(user!, { month, orgUnitId: query.orgUnitId });
        void audit(user!, 'stats.monthly', { month, orgUnitId: query.orgUnitId ?? null, format: query.format }, req.ip);
        if (query.format !== 'xlsx') return table;
        const file = `attachment; filename="monthly-${month}.xlsx"; filename*=UTF-8''${encodeURIComponent(`人民调解月报-${month}.xlsx`)}`;
        res.status(200).set('Cache-Control', 'no-store').set('Content-Type', XLSX_TYPE).set('Content-Disposition', file);
        await writeMonthlyXlsx(res, table);
        return undefined;
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/ledger',
        summary: 'The ledger (台账): one line per case, personal data masked',
        description:
          'format=json (default) → {items, total}; csv → UTF-8 with BOM, CRLF, Chinese headers (Excel opens it as is); ' +
          'xlsx → one worksheet 台账 (days as date cells, counts as numbers, the header frozen and filtered). All three are ' +
          'streamed in registration order, whatever their length. Cases registered in [from, to] (all time without them).',
        tags: ['oversight'],
        auth: readers,
        query: Joi.object({ ...scopeQuery, format: Joi.string().valid('json', 'csv', 'xlsx').default('json') }),
        responses: {
          200: {
            description: 'the ledger: JSON, text/csv or XLSX by format',
            schema: ref('Ledger'),
            media: {
              'text/csv': { type: 'string', description: 'UTF-8 with BOM, CRLF, one line per case under the Chinese headers' },
              [XLSX_TYPE]: { type: 'string', format: 'binary', description: 'one worksheet 台账' },
            },
          },
        },
      },
      async ({ query, user, req, res }) => {
        await settled();
        const q = scopeOf(user!, query);
        // 倒查关联案件 / 后续复发案件 name only cases of the caller's jurisdiction (issue 15 §3)
        const mediationBodies = services.directory.allBodies().filter((b) => b.tier !== 'court').map((b) => b.id);
        const named = CaseNoScope.of(store, q, mediationBodies);
        // the first page before any header: a failure there is still an ordinary error response
        const started = <T>(pages: AsyncGenerator<T>) =>
          pages.next().then((first) =>
            (async function* () {
              if (!first.done) yield first.value;
              yield* pages;
            })(),
          );
        const stamp = isoShanghai(new Date()).slice(0, 10); // the day in Shanghai
        const file = (ext: string) =>
          `attachment; filename="ledger-${stamp}.${ext}"; filename*=UTF-8''${encodeURIComponent(`物业纠纷调解台账-${stamp}.${ext}`)}`;
        res.status(200).set('Cache-Control', 'no-store');
        let result;
        try {
          if (query.format === 'csv') {
            const pages = await started(scopedLines(ledgerLinePages(store, q), named));
            res.set('Content-Type', 'text/csv; charset=utf-8').set('Content-Disposition', file('csv'));
            result = await writeLedgerCsv(res, pages, names);
          } else if (query.format === 'xlsx') {
            // streamed like CSV, with backpressure (writeLedgerXlsx): no bound on its length
            const pages = await started(scopedEntries(ledgerPages(store, q, 1000), named));
            res.set('Content-Type', XLSX_TYPE).set('Content-Disposition', file('xlsx'));
            result = await writeLedgerXlsx(res, pages, names);
          } else {
            const pages = await started(scopedEntries(ledgerPages(store, q, 1000), named));
            res.set('Content-Type', 'application/json; charset=utf-8');
            result = await writeLedgerJson(res, pages, names, { from: q.from ?? null, to: q.to ?? null });
          }
        } catch (err) {
          services.logger.error({ err, reqId: req.id }, 'ledger export failed while streaming');
          res.destroy(err as Error);
          return;
        }
        void audit(user!, 'ledger.export', { format: query.format, from: q.from ?? null, to: q.to ?? null, orgUnitId: query.orgUnitId ?? null, rows: result.rows, complete: result.complete }, req.ip);
      },
    ),

    defineRoute(
      {
        method: 'post',
        path: '/api/ledger/reconcile',
        summary: 'Reconcile an office’s own list against the ledger (对账销号)',
        description:
          'Send the list as the body (text/csv — UTF-8 or GB18030 — or XLSX), as the file of a multipart form (field "file": CSV, ' +
          'XLSX or a JSON file), or as JSON {rows: [{caseNo, status, …}]}, or the JSON export of GET /api/ledger as downloaded ' +
          '({items, total, from, to}) — as the body or as a file. Columns are recognised by the ledger’s headers, its JSON keys or the usual ' +
          'alternatives; only columns present are compared. → what matches, what differs field by field, what is missing on ' +
          'either side (ours: the caller’s cases registered in [from, to], all time without them). ' +
          'Bounded alike in every form (UPLOAD_MAX_ROWS, UPLOAD_MAX_UNCOMPRESSED, UPLOAD_PARSE_TIMEOUT_MS): more rows or records, or an XLSX that unpacks to more, → 413 PAYLOAD_TOO_LARGE ' +
          'with details {limit: rows|uncompressedBytes|entries|memory, max}; reading or reconciling too long → 422 UPLOAD_TOO_COMPLEX; too many files read at once → 503.',
        tags: ['oversight'],
        auth: rolesFor('ledger:reconcile'),
        query: Joi.object(scopeQuery),
        body: Joi.object({
          rows: Joi.array().items(Joi.object().pattern(/^.{1,100}$/, Joi.alternatives(Joi.string().allow(''), Joi.number(), Joi.boolean()).allow(null))).max(200_000),
          file: Joi.string().base64().max(30_000_000).description('the file, base64'),
          // the JSON export of GET /api/ledger, sent back as it is
          items: Joi.array()
            .items(Joi.object().pattern(/^.{1,100}$/, Joi.alternatives(Joi.string().allow(''), Joi.number(), Joi.boolean(), Joi.array().items(Joi.string()).max(1000)).allow(null)))
            .max(200_000)
            .description('the lines of GET /api/ledger (format=json) as downloaded'),
          total: Joi.number().integer().min(0),
          from: Joi.string().allow(null).max(40),
          to: Joi.string().allow(null).max(40),
        }).oxor('rows', 'file', 'items'),
        idempotent: false, // reads only
        bodyMedia: {
          'text/csv': { type: 'string', description: 'the list as CSV, UTF-8 or GB18030' },
          [XLSX_TYPE]: { type: 'string', format: 'binary', description: 'the list as XLSX (first worksheet)' },
          'application/octet-stream': { type: 'string', format: 'binary', description: 'CSV, XLSX or JSON, recognised by its content' },
          'multipart/form-data': {
            type: 'object',
            required: ['file'],
            properties: {
              file: {
                type: 'string',
                format: 'binary',
                description: 'CSV, XLSX or JSON (the ledger’s JSON export as downloaded, {rows: […]} or an array of records), by its type, name or content',
              },
            },
          },
        },
        responses: {
          200: { description: 'the reconciliation', schema: ref('ReconcileReport') },
          413: { description: 'PAYLOAD_TOO_LARGE: more rows or records than UPLOAD_MAX_ROWS, an XLSX unpacking to more than allowed, a body over 20 MB' },
          422: { description: 'UPLOAD_TOO_COMPLEX: the file could not be read, or the list reconciled, in time' },
          503: { description: 'UNAVAILABLE: too many files are being read right now, or the store cannot be read' },
        },
        before: [acceptUpload({ roles: rolesFor('ledger:reconcile'), limit: '20mb' })],
      },
      async ({ query, body, user, req, res }) => {
        await settled();
        const upload = res.locals.upload as Upload | undefined;
        let table: Table;
        const limits = tableLimits(services.config);
        if (upload) table = await readTable(upload.data, upload.kind, limits);
        else if (body.file) table = await readTable(Buffer.from(body.file, 'base64'), undefined, limits);
        else if (body.rows || body.items) table = tableOfRecords(body.rows ?? body.items, limits);
        else {
          throw new ValidationFailed('send a file (CSV, XLSX or JSON) or JSON {rows}', [{ field: 'body', in: 'body', message: 'no list to reconcile' }]);
        }
        return oversight.reconcile(user!, table, query, req.ip);
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/companies',
        summary: 'Property-service company warnings (信用预警: green, yellow, orange, red)',
        description:
          'Per company (an organisation party not marked owners_committee or other, grouped by name): disputes by kind, ' +
          'recurrences (repeats of an earlier dispute of the same kind in the same compound within the look-back window), ' +
          'non-performance (a clause it owes found not or partly performed on a visit), the colour by the configured rules ' +
          '(GET /api/oversight/settings) and the cases behind it. Cases registered in [from, to], all time without them.',
        tags: ['oversight'],
        auth: readers,
        query: Joi.object(scopeQuery),
        responses: { 200: { description: 'the companies by colour', schema: ref('CompaniesReport') } },
      },
      async ({ query, user }) => oversight.companies(user!, query),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/cases/:id/related',
        summary: 'Related cases (倒查): the earlier ones this case repeats, and the later ones repeating it',
        tags: ['oversight', 'cases'],
        auth: rolesFor('cases:read'),
        params: Joi.object({ id: Joi.string().pattern(/^[A-Za-z0-9._-]{1,80}$/).required() }),
        responses: { 200: { description: 'the related cases the caller may read', schema: ref('Related') } },
      },
      async ({ params, user }) => {
        const record = await readableCase(services, user!, params.id);
        await settled();
        // only cases the caller may read: a list never reveals one outside the jurisdiction
        const related = await relatedCasesFor(services, record, user!);
        return {
          id: record.id,
          caseNo: record.caseNo,
          windowDays: services.settings.recurrenceDays,
          relatedCases: related.map((r) => ({ ...r, readable: true })),
        };
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/api/oversight/settings',
        summary: 'Company warning rules, the satisfied score and the recurrence window',
        tags: ['oversight'],
        auth: readers,
        responses: { 200: { description: 'the settings in force', schema: ref('OversightSettings') } },
      },
      () => oversightView(services.settings.all),
    ),

    defineRoute<SettingsPatch>(
      {
        method: 'put',
        path: '/api/oversight/settings',
        summary: 'Change the company warning rules, the satisfied score or the recurrence window',
        description: 'A colour applies when any listed count reaches its threshold; the most severe colour wins; otherwise green.',
        tags: ['oversight', 'admin'],
        auth: rolesFor('admin'),
        body: oversightSettingsBody,
        responses: { 200: { description: 'the settings now in force', schema: ref('OversightSettings') } },
      },
      async ({ body, user, req }) => oversightView(await changeOversightSettings(services, user!, body, req.ip)),
    ),
  ];
}
