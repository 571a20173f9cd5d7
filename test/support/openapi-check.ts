// Every response an HTTP test receives through supertest is checked against the app's own
// /api/openapi.json (buildOpenApi over the routes it mounted, which is what that endpoint serves):
// the operation (method + path template), the status, the media type, and the JSON body against the
// response schema, by Ajv (JSON Schema validator, with OpenAPI's `nullable`) and ajv-formats.
// A disagreement fails the request with one line per problem naming the operation, the status, the
// media type and the field, e.g.
//   OpenAPI: GET /api/cases/{id} → 200 application/json: /deadlines/0/dueAt must match pattern "…" (got "2026-…Z")
// Installed once (installOpenApiCheck) by test/support/http.ts; responses of paths the description
// does not have (pages, unknown URLs, hidden routes) are not checked.
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Application } from 'express';
import { buildOpenApi } from '../../server/http/openapi.ts';
import { routeRegistry } from '../../server/http/validate.ts';

type Json = Record<string, any>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

interface Operation {
  template: string;
  pattern: RegExp;
  method: string;
  op: Json;
}

interface Checker {
  doc: Json;
  operations: Operation[];
  compiled: Map<string, ValidateFunction>;
  ajv: Ajv;
}

const checkers = new WeakMap<object, Checker | null>();

function checkerFor(app: Application): Checker | null {
  if (checkers.has(app)) return checkers.get(app)!;
  const routes = routeRegistry(app);
  if (!routes.length) {
    checkers.set(app, null);
    return null;
  }
  const doc = buildOpenApi(routes);
  const operations: Operation[] = [];
  for (const [template, ops] of Object.entries(doc.paths as Json)) {
    const pattern = new RegExp(`^${template.replace(/[.+?^$()[\]\\|]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const [method, op] of Object.entries(ops as Json)) operations.push({ template, pattern, method, op });
  }
  // literal paths before templated ones (/api/cases/bulk before /api/cases/{id})
  operations.sort((a, b) => (a.template.includes('{') ? 1 : 0) - (b.template.includes('{') ? 1 : 0));
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const checker = { doc, operations, compiled: new Map(), ajv };
  checkers.set(app, checker);
  return checker;
}

function resolve(doc: Json, value: Json): Json {
  let v = value;
  while (v && typeof v.$ref === 'string') {
    v = v.$ref
      .slice(2)
      .split('/')
      .reduce((o: Json, k: string) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return v;
}

function describe(e: ErrorObject, body: unknown): string {
  const at = e.instancePath || '(body)';
  const value = e.instancePath
    .split('/')
    .slice(1)
    .reduce((o: any, k) => (o == null ? o : o[k.replace(/~1/g, '/').replace(/~0/g, '~')]), body);
  const extra =
    e.keyword === 'additionalProperties'
      ? ` "${(e.params as { additionalProperty: string }).additionalProperty}" (undocumented field)`
      : e.keyword === 'required'
        ? ` (missing "${(e.params as { missingProperty: string }).missingProperty}")`
        : e.keyword === 'enum'
          ? ` ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
          : '';
  const got = e.keyword === 'additionalProperties' || e.keyword === 'required' ? '' : ` (got ${JSON.stringify(value)?.slice(0, 120)})`;
  return `${at} ${e.message}${extra}${got}`;
}

/** The problems of one response against the description, [] when it agrees (or is not described). */
export function responseProblems(app: Application, method: string, url: string, status: number, contentType: string | undefined, body: unknown, text: string | undefined): string[] {
  const checker = checkerFor(app);
  if (!checker) return [];
  const path = new URL(url, 'http://x').pathname;
  const m = method.toLowerCase();
  const found = checker.operations.find((o) => o.method === m && o.pattern.test(path));
  if (!found) return [];
  const where = `${m.toUpperCase()} ${found.template} → ${status}`;
  const response = resolve(checker.doc, found.op.responses?.[String(status)] ?? found.op.responses?.default);
  if (!response) return [`${where}: status ${status} is not documented (documented: ${Object.keys(found.op.responses ?? {}).join(', ')})`];
  const hasBody = (text !== undefined && text.length > 0) || Buffer.isBuffer(body);
  const type = contentType?.split(';')[0].trim().toLowerCase();
  const content = response.content as Json | undefined;
  if (!content) return [];
  if (!hasBody) return [];
  if (!type || !content[type]) return [`${where}: media type ${type ?? '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`];
  const schema = content[type].schema;
  if (!schema || !type.includes('json')) return [];
  const key = `${m} ${found.template} ${status} ${type}`;
  let validate = checker.compiled.get(key);
  if (!validate) {
    validate = checker.ajv.compile({ ...schema, components: checker.doc.components });
    checker.compiled.set(key, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${where} ${type}: ${describe(e, body)}`);
}

let installed = false;

/** Wraps supertest's assertion step: every response is checked before the test's own expectations. */
export function installOpenApiCheck(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const Test = require('supertest/lib/test.js') as { prototype: Json };
  const assert = Test.prototype.assert as (this: Json, err: unknown, res: Json | undefined, fn: (...a: unknown[]) => void) => void;
  Test.prototype.assert = function (this: Json, resError: unknown, res: Json | undefined, fn: (...a: unknown[]) => void) {
    if (res && !(resError && !res.status)) {
      const server = this.app as Server | string;
      const app = typeof server === 'object' ? (server.listeners('request')[0] as unknown as Application | undefined) : undefined;
      if (app && typeof app === 'function') {
        const problems = responseProblems(app, this.method, this.url, res.status, res.headers?.['content-type'], res.body, res.text);
        if (problems.length) {
          const err = new Error(`response disagrees with /api/openapi.json:\n  OpenAPI: ${problems.slice(0, 15).join('\n  OpenAPI: ')}`);
          return fn.call(this, err, res);
        }
      }
    }
    return assert.call(this, resError, res, fn);
  };
}
