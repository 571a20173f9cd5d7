// Bulk intake (POST /api/cases/bulk): the 12345 hotline and the grid platform send cases in batches,
// as a JSON array of intake objects (the shape of POST /api/cases, with source {system, ref}) or as a
// CSV file (see server/cases/bulk.ts for its columns). Each row is validated on its own; rows
// whose source reference is registered already are skipped as duplicates; the report says what was
// created (with each case's access code, shown this once), what was skipped and why rows failed.
import Joi from 'joi';
import type { Services } from '../services.ts';
import { ValidationFailed } from '../engine/errors.ts';
import { rolesFor } from '../policy.ts';
import { csvRowsToIntake, MAX_BULK_ROWS, registerBulk } from '../cases/bulk.ts';
import { readTable, tableLimits } from '../oversight/table-pool.ts';
import { acceptUpload, type Upload } from './upload.ts';
import { defineRoute, type RouteDef } from './validate.ts';
import { ref } from './api-schemas.ts';

export function bulkRoutes(services: Services): RouteDef[] {
  const { directory, config } = services;
  // a bulk file holds at most MAX_BULK_ROWS cases (and a few title and header rows): reading stops there
  const limits = { ...tableLimits(config), maxRows: Math.min(config.uploadMaxRows, MAX_BULK_ROWS + 10) };
  const roles = rolesFor('cases:intake');

  /** A CSV upload becomes the rows it holds, so that validation and Idempotency-Key see them. */
  async function rowsOfUpload(upload: Upload): Promise<unknown> {
    const table = await readTable(upload.data, upload.kind, limits);
    const { rows, unknownHeaders } = csvRowsToIntake(table, directory);
    if (unknownHeaders.length) {
      throw new ValidationFailed(`unknown columns: ${unknownHeaders.join(', ')}`, [
        { field: 'body', in: 'body', message: `unknown columns: ${unknownHeaders.join(', ')}` },
      ]);
    }
    return { rows: rows.map((r) => ({ ...r.value, _line: r.line })) };
  }

  return [
    defineRoute(
      {
        method: 'post',
        path: '/api/cases/bulk',
        summary: 'Register a batch of cases from another system (12345 hotline, grid platform)',
        description:
          `A JSON array of intake objects (as POST /api/cases, with source {system, ref}), or {cases: [...]}, or a CSV file ` +
          `(text/csv or multipart field "file"; columns: channel, sourceSystem, sourceRef, compoundId or compound (name), ` +
          `category, summary, claims, householdsInvolved, applicantName, applicantPhone, applicantKind, respondentName, ` +
          `respondentKind, respondentOrgType, …, or their Chinese names). At most ${MAX_BULK_ROWS} rows. Rows are registered ` +
          `in order; each is validated on its own; a row whose source is registered already is a duplicate. → 201 when ` +
          `something was created, else 200: {summary, created[{row, id, caseNo, accessCode, …}], duplicates[], errors[{row, errors}]}.`,
        tags: ['cases'],
        auth: roles,
        body: Joi.alternatives(
          Joi.array().items(Joi.any()).max(MAX_BULK_ROWS),
          Joi.object({ cases: Joi.array().items(Joi.any()).max(MAX_BULK_ROWS).required() }),
          Joi.object({ rows: Joi.array().items(Joi.any()).max(MAX_BULK_ROWS).required() }),
        ).messages({ 'alternatives.match': `{{#label}} must be an array of at most ${MAX_BULK_ROWS} cases, or a CSV file` }),
        bodyMedia: {
          'text/csv': { type: 'string', description: 'the CSV file (UTF-8 or GB18030)' },
          'multipart/form-data': { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
        },
        responses: {
          201: { description: 'something was created', schema: ref('BulkReport') },
          200: { description: 'nothing was created (every row a duplicate or in error)', schema: ref('BulkReport') },
        },
        before: [acceptUpload({ roles, limit: '5mb', transform: rowsOfUpload })],
      },
      async ({ body, user, req, res }) => {
        const list: unknown[] = Array.isArray(body) ? body : (body.cases ?? body.rows ?? []);
        const fromFile = res.locals.upload !== undefined; // CSV rows carry their line in the file
        const rows = list.map((value, i) => {
          if (fromFile && value && typeof value === 'object' && '_line' in value) {
            const { _line, ...rest } = value as Record<string, unknown>;
            return { line: Number(_line), value: rest };
          }
          return { line: i + 1, value };
        });
        const report = await registerBulk(services, user!, rows, { clientIp: req.ip ?? null });
        res.status(report.summary.created > 0 ? 201 : 200);
        return report;
      },
    ),
  ];
}
