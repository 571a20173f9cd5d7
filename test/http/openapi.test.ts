// /api/openapi.json is the checked truth (issue 16 §1): swagger-parser validates it, Redocly lints it
// (recommended rules, no error and no warning), every operation documents its answers completely, the
// committed client types are what openapi-typescript makes of it, the typed README walk runs against
// the product, and PUT /api/admin/settings takes back what GET shows. Every response of every HTTP
// test is validated against it by test/support/openapi-check.ts; the last tests show that check fails
// when a response disagrees, naming the operation, status and field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import SwaggerParser from '@apidevtools/swagger-parser';
import { expect } from 'chai';
import { CLIENT_TYPES, clientTypes, productDescription } from '../../scripts/openapi-types.ts';
import { walk } from '../client/walk.ts';
import { responseProblems } from '../support/openapi-check.ts';
import { intakeBody, startProduct, type Product } from '../support/http.ts';
import { acceptData } from '../support/workflow.ts';

type Json = Record<string, any>;

/** Every schema object below `node` (through properties, items, compositions, additionalProperties). */
function* schemas(node: unknown, where: string): Generator<[Json, string]> {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) yield* schemas(v, `${where}/${i}`);
    return;
  }
  const s = node as Json;
  if ('type' in s || 'nullable' in s || 'properties' in s || '$ref' in s || 'anyOf' in s || 'oneOf' in s || 'allOf' in s) yield [s, where];
  for (const [k, v] of Object.entries(s)) if (v && typeof v === 'object') yield* schemas(v, `${where}/${k}`);
}

describe('HTTP: /api/openapi.json is the checked truth (issue 16 §1)', function () {
  this.timeout(120_000);
  let p: Product;
  let doc: Json;
  let dir: string;

  before(async () => {
    p = await startProduct();
    doc = (await p.get('/api/openapi.json', null).expect(200)).body;
    dir = mkdtempSync(path.join(tmpdir(), 'wuye-openapi-test-'));
  });
  after(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a valid OpenAPI 3.0 document (swagger-parser)', async () => {
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect((api as Json).openapi).to.equal('3.0.3');
    expect(doc.servers).to.deep.equal([{ url: '/', description: 'this server (the API is served under /api)' }]);
  });

  it('passes Redocly lint (recommended rules) with no error and no warning', () => {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
    const run = spawnSync(process.execPath, [cli, 'lint', file, '--config', path.resolve('.redocly.yaml'), '--format', 'summary'], {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      timeout: 90_000,
    });
    const out = `${run.stdout}\n${run.stderr}`;
    expect(run.status, out).to.equal(0);
    expect(out, out).to.match(/Your API description is valid/);
    expect(out, out).not.to.match(/You have \d+ warnings?/);
  });

  it('documents every answer: a schema for each success, the error shape for each failure, the statuses each route can give', () => {
    const problems: string[] = [];
    for (const [route, ops] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(ops as Json)) {
        const where = `${method.toUpperCase()} ${route}`;
        for (const [status, response] of Object.entries(op.responses as Json)) {
          const r = response.$ref ? doc.components.responses[response.$ref.split('/').pop()] : response;
          if (!r) problems.push(`${where} ${status}: dangling ${response.$ref}`);
          else if (!r.content && status !== '204' && status !== '304') problems.push(`${where} ${status}: no content`); // 204, 304: no body, by definition
          else if (!r.content) continue;
          else if (Number(status) >= 400 && where !== 'GET /api/health' && r.content['application/json']?.schema?.$ref !== '#/components/schemas/Error') problems.push(`${where} ${status}: not the Error schema`);
          else if (Number(status) < 300) {
            for (const [type, media] of Object.entries(r.content as Json)) {
              if (type === 'text/html') continue;
              if (!media.schema) problems.push(`${where} ${status} ${type}: no schema`);
              else if (type.includes('json') && route !== '/api/openapi.json') {
                const s = media.schema.$ref ? doc.components.schemas[media.schema.$ref.split('/').pop()] : media.schema;
                const objectLike = s.type === 'array' ? (s.items.$ref ? doc.components.schemas[s.items.$ref.split('/').pop()] : s.items) : s;
                if (objectLike.type === 'object' && !objectLike.required?.length) problems.push(`${where} ${status}: an object without "required"`);
              }
            }
          }
        }
        const statuses = Object.keys(op.responses);
        for (const must of ['400', '429', '500']) if (!statuses.includes(must)) problems.push(`${where}: no ${must}`);
        if (op.requestBody?.content?.['application/json'] && !statuses.includes('415')) problems.push(`${where}: no 415`);
        if (op.security?.length && !statuses.includes('401')) problems.push(`${where}: no 401`);
      }
    }
    for (const [s, where] of schemas(doc, '#')) {
      if (s.nullable && !s.type) problems.push(`${where}: nullable without type`);
    }
    expect(problems).to.deep.equal([]);
    // the statuses the issue found missing
    expect(doc.paths['/api/auth/login'].post.responses['401'].description).to.match(/INVALID_CREDENTIALS/);
    expect(doc.paths['/api/cases/{id}/events'].post.responses['409'].description).to.match(/VERSION_CONFLICT/);
    expect(doc.paths['/api/cases/{id}/events'].post.responses['422']).to.have.property('content');
    expect(doc.paths['/api/track/{caseNo}'].get.responses).to.include.keys('404', '429');
    expect(doc.paths['/api/admin/users'].post.responses).to.include.keys('409');
    expect(doc.paths['/api/health'].get.responses['503'].content['application/json'].schema).to.deep.equal({ $ref: '#/components/schemas/Health' });
    expect(Object.keys(doc.paths['/api/ledger'].get.responses['200'].content)).to.have.members([
      'application/json',
      'text/csv',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ]);
    expect(Object.keys(doc.paths['/api/ledger/reconcile'].post.requestBody.content)).to.include.members(['application/json', 'text/csv', 'multipart/form-data']);
    expect(doc.paths['/api/cases/bulk'].post.responses).to.include.keys('200', '201');
    expect(doc.components.schemas.Case.required).to.include.members(['id', 'caseNo', 'status', 'version', 'availableEvents']);
  });

  it('generates the committed client types (openapi-typescript; `npm run openapi:types` rewrites them)', async () => {
    const expected = await clientTypes(await productDescription());
    const committed = readFileSync(CLIENT_TYPES, 'utf8');
    expect(committed === expected, 'test/client/api.d.ts is stale: run `npm run openapi:types`').to.equal(true);
  });

  it('runs the typed README walk (intake → event → track) over HTTP', async () => {
    const server: Server = createServer(p.running.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await walk(base, p.tokens['med.c1'], intakeBody() as never, acceptData() as never);
      expect(result.created.case.status).to.equal('registered');
      expect(result.accepted.case.status).to.equal('in_mediation');
      expect(result.accepted.case.version).to.equal(result.created.case.version + 1);
      expect(result.conflict.error.code).to.equal('VERSION_CONFLICT');
      expect(result.tracked.history.map((h) => h.label.zh)).to.deep.equal(['登记', '受理']);
      expect(result.tracked.history[1].by).to.deep.equal({ zh: '调解员', en: 'mediator' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('PUT /api/admin/settings takes back exactly what GET shows, and changes nothing by it', async () => {
    await p.post('/api/admin/calendar').send({ year: 2031, holidays: ['2031-01-01'], workdays: [], source: '测试' }).expect(200);
    const before = (await p.get('/api/admin/settings').expect(200)).body;
    expect(before.calendarYears).to.have.length(1);
    const after = (await p.put('/api/admin/settings').send(before).expect(200)).body;
    expect(after).to.deep.equal(before);
    const changed = { ...before, calendarYears: [{ year: 2031, holidays: ['2031-01-02', '2031-01-01'], workdays: [] }] };
    const next = (await p.put('/api/admin/settings').send(changed).expect(200)).body;
    expect(next.calendarYears).to.deep.equal([{ year: 2031, holidays: ['2031-01-01', '2031-01-02'], workdays: [] }]);
    const bad = await p.put('/api/admin/settings').send({ calendarYears: [{ year: 2031, holidays: ['2032-01-01'], workdays: [] }] }).expect(400);
    expect(bad.body.error.code).to.equal('VALIDATION_FAILED');
    expect((await p.get('/api/admin/settings').expect(200)).body.calendarYears).to.deep.equal(next.calendarYears);
  });

  it('answers every time with the +08:00 offset (health, sign-in, users, audit)', async () => {
    const plus8 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/;
    expect((await p.get('/api/health', null).expect(200)).body.time).to.match(plus8);
    expect((await p.get('/api/me', 'med.c1').expect(200)).body.expiresAt).to.match(plus8);
    for (const u of (await p.get('/api/admin/users').expect(200)).body) expect(u.createdAt).to.match(plus8);
    for (const e of (await p.get('/api/admin/audit?limit=50').expect(200)).body.items) expect(e.at).to.match(plus8);
    // a period sent with another offset is echoed in the one form
    const stats = (await p.get('/api/stats?from=2026-11-01T00:00:00Z&to=2026-11-30').expect(200)).body;
    expect([stats.from, stats.to]).to.deep.equal(['2026-11-01T08:00:00.000+08:00', '2026-11-30T23:59:59.999+08:00']);
    const ledger = (await p.get('/api/ledger?from=2026-10-31T16:00:00.000Z').expect(200)).body;
    expect(ledger.from).to.equal('2026-11-01T00:00:00.000+08:00');
  });

  describe('the response check itself', () => {
    const app = () => p.running.app;
    it('names the operation, status and field of a body that disagrees', () => {
      const good = { status: 'ok', store: 'sqlite', time: '2026-11-23T09:00:00.000+08:00', uptimeSeconds: 3 };
      expect(responseProblems(app(), 'GET', '/api/health', 200, 'application/json', good, JSON.stringify(good))).to.deep.equal([]);
      const bad = { ...good, time: '2026-11-23T01:00:00.000Z', extra: 1 };
      const problems = responseProblems(app(), 'GET', '/api/health', 200, 'application/json; charset=utf-8', bad, JSON.stringify(bad));
      expect(problems.join('\n')).to.include('GET /api/health → 200 application/json: (body) must NOT have additional properties "extra"');
      expect(problems.join('\n')).to.include('GET /api/health → 200 application/json: /time must match pattern');
    });
    it('refuses a status or a media type the description does not have', () => {
      expect(responseProblems(app(), 'GET', '/api/cases/x1', 418, 'application/json', {}, '{}')).to.deep.equal([
        'GET /api/cases/{id} → 418: status 418 is not documented (documented: 200, 304, 400, 401, 403, 404, 429, 500)',
      ]);
      expect(responseProblems(app(), 'GET', '/api/stats', 200, 'text/plain', 'x', 'x')[0]).to.match(/media type text\/plain is not documented/);
    });
    it('matches literal paths before templated ones', () => {
      const body = { summary: { rows: 0, created: 0, duplicates: 0, errors: 0 }, created: [], duplicates: [], errors: [] };
      expect(responseProblems(app(), 'POST', '/api/cases/bulk', 200, 'application/json', body, JSON.stringify(body))).to.deep.equal([]);
    });
  });
});
