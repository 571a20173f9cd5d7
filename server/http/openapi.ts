// GET /api/openapi.json and GET /api/docs, generated from the very joi schemas the routes validate
// with (app.locals.routes, filled by mountRoutes), so the description cannot drift from the code.
// The docs page is plain HTML with no external assets.
import type { Request } from 'express';
import joiToSwagger from 'joi-to-swagger';
import Joi from 'joi';
import { API_SCHEMAS } from './api-schemas.ts';
import { defineRoute, isIdempotent, routeRegistry, type RouteDef } from './validate.ts';

type Json = Record<string, any>;

export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\*([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** What joi-to-swagger writes that OpenAPI 3.0.3 does not mean: `nullable` without a `type` (null as
 * one more alternative instead) and a oneOf made of extension keys only, or of an object without
 * properties (both from joi's .when() on an object). */
const emptyObject = (alt: Json): boolean => alt.type === 'object' && Object.keys(alt.properties ?? {}).length === 0 && Object.keys(alt).every((k) => ['type', 'properties', 'additionalProperties'].includes(k));
function tidy(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(tidy);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, tidy(v)]));
  for (const k of ['oneOf', 'anyOf']) {
    if (Array.isArray(out[k]) && out[k].every((alt: Json) => Object.keys(alt).every((key) => key.startsWith('x-')) || emptyObject(alt))) delete out[k];
  }
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable;
    const alternatives = out.anyOf ?? out.oneOf;
    if (Array.isArray(alternatives)) alternatives.push({ type: 'string', nullable: true, enum: [null] });
  }
  return out;
}

function convert(schema: Joi.Schema | Json, components: Json): Json {
  if (!Joi.isSchema(schema)) return schema as Json; // an OpenAPI schema object written out (api-schemas.ts)
  // a CommonJS module: its default import is the function, which also carries itself as .default
  const { swagger, components: more } = joiToSwagger.default(schema, components);
  if (more?.schemas) Object.assign((components.schemas ??= {}), tidy(more.schemas));
  return tidy(swagger) as Json;
}

function parameters(schema: Joi.ObjectSchema | undefined, where: 'query' | 'path', components: Json): Json[] {
  if (!schema) return [];
  const s = convert(schema, components);
  const required = new Set<string>(s.required ?? []);
  return Object.entries((s.properties ?? {}) as Record<string, Json>).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(prop.description ? { description: prop.description } : {}),
    schema: prop,
  }));
}

function pathParams(def: RouteDef, components: Json): Json[] {
  if (def.params) return parameters(def.params, 'path', components);
  return [...def.path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

/** The error answers every route may give, by status, with the codes each carries (engine/errors.ts). */
const ERRORS: Record<string, string> = {
  400: 'VALIDATION_FAILED (details: [{field, in, message}]) or BAD_REQUEST',
  401: 'UNAUTHENTICATED: no session, or it expired or was revoked',
  403: 'FORBIDDEN: not for this role; CSRF_TOKEN_INVALID: a browser session changing something without X-CSRF-Token',
  404: 'NOT_FOUND: no such resource, or not in your jurisdiction (the same answer)',
  409: 'VERSION_CONFLICT (details: {expectedVersion, currentVersion}), DUPLICATE, IDEMPOTENCY_MISMATCH or IDEMPOTENCY_IN_PROGRESS',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE: send the body as application/json',
  422: 'EVENT_NOT_ALLOWED, CONSENT_REQUIRED, AGREEMENT_INCOMPLETE or OUT_OF_JURISDICTION (details say why)',
  429: 'RATE_LIMITED: too many requests (Retry-After says when to try again)',
  500: 'INTERNAL: our fault, logged; no details',
  503: 'UNAVAILABLE: the store does not answer, or cannot write (full disk, I/O error, damaged file)',
};

function errorResponse(status: string, description?: string): Json {
  if (!description) return { $ref: `#/components/responses/Error${status}` };
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function content(type: string, schema: Joi.Schema | Json | undefined, components: Json): Json {
  return { [type]: schema ? { schema: convert(schema, components) } : {} };
}

function operation(def: RouteDef, components: Json): Json {
  const ok = def.status ?? 200;
  const responses: Json = {};
  for (const [status, doc] of Object.entries(def.responses ?? { [ok]: { description: 'OK' } })) {
    if (Number(status) >= 400 && !doc.schema) {
      responses[status] = errorResponse(status, doc.description);
      continue;
    }
    const media = {
      ...(doc.schema || doc.contentType ? content(doc.contentType ?? 'application/json', doc.schema, components) : {}),
      ...Object.fromEntries(Object.entries(doc.media ?? {}).map(([type, schema]) => [type, { schema: convert(schema, components) }])),
    };
    const headers = Object.entries(doc.headers ?? {}).map(([name, h]) => [name, { description: h.description, schema: h.schema ?? { type: 'string' } }]);
    responses[status] = {
      description: doc.description,
      ...(headers.length ? { headers: Object.fromEntries(headers) } : {}),
      ...(Object.keys(media).length ? { content: media } : {}),
    };
  }
  const errors = ['400'];
  if (def.auth !== 'public') errors.push('401');
  if (Array.isArray(def.auth) || (def.auth !== 'public' && def.method !== 'get')) errors.push('403');
  if (/[:*]/.test(def.path)) errors.push('404');
  if (isIdempotent(def)) errors.push('409');
  if (def.body) errors.push('413', '415');
  errors.push('429', '500');
  // a write the store cannot make (full disk, I/O error, damaged file) is 503, not acknowledged
  if (def.method !== 'get') errors.push('503');
  for (const status of errors) responses[status] ??= errorResponse(status);

  const params = [...pathParams(def, components), ...parameters(def.query, 'query', components)];
  for (const h of def.headers ?? []) params.push({ name: h.name, in: 'header', required: false, description: h.description, schema: h.schema ?? { type: 'string' } });
  if (isIdempotent(def)) {
    params.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'retry safely: the same key with the same body replays the first response',
      schema: { type: 'string', maxLength: 200 },
    });
  }
  const requestMedia = def.body
    ? {
        'application/json': { schema: convert(def.body, components) },
        ...Object.fromEntries(Object.entries(def.bodyMedia ?? {}).map(([type, schema]) => [type, { schema }])),
      }
    : undefined;
  return {
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    ...(def.tags?.length ? { tags: def.tags } : {}),
    operationId: `${def.method}${openApiPath(def.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    ...(params.length ? { parameters: params } : {}),
    ...(requestMedia ? { requestBody: { required: true, content: requestMedia } } : {}),
    responses,
    security: def.auth === 'public' ? [] : [{ bearerAuth: [] }, { cookieAuth: [] }],
    'x-roles': def.auth,
  };
}

const TAGS: Array<{ name: string; description: string }> = [
  { name: 'auth', description: 'signing in and out' },
  { name: 'cases', description: 'intake, cases, events and history' },
  { name: 'documents', description: 'documents issued for a case' },
  { name: 'court', description: '诉调对接: the court liaison’s inbox and court-delegated cases' },
  { name: 'residents', description: 'parties tracking their case with the access code' },
  { name: 'oversight', description: 'statistics, the ledger (台账), reconciliation, company warnings' },
  { name: 'org', description: 'the organisation tree' },
  { name: 'admin', description: 'accounts, settings, the audit log, integrity checks' },
  { name: 'meta', description: 'this description and liveness' },
];

export function buildOpenApi(routes: readonly RouteDef[], info: { title?: string; version?: string } = {}): Json {
  const components: Json = {
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        additionalProperties: false,
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            additionalProperties: false,
            properties: {
              code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', example: 'VALIDATION_FAILED', description: 'one of the codes of server/engine/errors.ts STATUS_BY_CODE' },
              message: { type: 'string' },
              details: { description: 'what went wrong: for VALIDATION_FAILED a list of {field, in, message}' },
            },
          },
        },
      },
      ...API_SCHEMAS,
    },
    responses: Object.fromEntries(
      Object.entries(ERRORS).map(([status, description]) => [
        `Error${status}`,
        { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      ]),
    ),
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'token from POST /api/auth/login' },
      cookieAuth: { type: 'apiKey', in: 'cookie', name: 'wuye_session', description: 'browser session; changes need X-CSRF-Token' },
    },
  };
  const paths: Json = {};
  for (const def of routes) {
    if (def.hidden) continue;
    const p = (paths[openApiPath(def.path)] ??= {});
    p[def.method] = operation(def, components);
  }
  const used = new Set(routes.flatMap((r) => r.tags ?? []));
  // only the error answers some operation refers to
  const text = JSON.stringify(paths);
  for (const name of Object.keys(components.responses)) if (!text.includes(`#/components/responses/${name}"`)) delete components.responses[name];
  return {
    openapi: '3.0.3',
    info: {
      title: info.title ?? '物业纠纷调解 — case engine API',
      version: info.version ?? '0.1.0',
      description:
        'Residential property-dispute mediation (物业纠纷调解). Errors: {"error": {"code", "message", "details"}}. ' +
        'Changing POSTs accept an Idempotency-Key header. Times are ISO 8601 with the +08:00 offset (Asia/Shanghai).',
    },
    servers: [{ url: '/', description: 'this server (the API is served under /api)' }],
    tags: TAGS.filter((t) => used.has(t.name)),
    paths,
    components,
  };
}

// ── the readable page ──────────────────────────────────────────────────────────────────────────

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function typeOf(schema: Json): string {
  if (!schema) return '';
  if (schema.enum) return schema.enum.map(String).join(' | ');
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`;
  return [schema.type, schema.format].filter(Boolean).join(' ') || 'any';
}

export function docsHtml(doc: Json): string {
  const sections: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(ops as Json)) {
      const params = (op.parameters ?? []) as Json[];
      const body = op.requestBody?.content?.['application/json']?.schema;
      const roles = op['x-roles'];
      sections.push(`<section id="${esc(op.operationId)}">
<h2><span class="m m-${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p>${esc(op.summary)}</p>${op.description ? `\n<p>${esc(op.description)}</p>` : ''}
<p class="auth">Access: ${esc(roles === 'public' ? 'public' : roles === 'authenticated' ? 'any signed-in user' : `roles ${(roles as string[]).join(', ')}`)}</p>
${
  params.length
    ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th>description</th></tr></thead><tbody>
${params.map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${esc(typeOf(p.schema))}</td><td>${esc(p.description ?? '')}</td></tr>`).join('\n')}
</tbody></table>`
    : ''
}${body ? `\n<details open><summary>Request body (JSON schema)</summary><pre>${esc(JSON.stringify(body, null, 2))}</pre></details>` : ''}
<p class="resp">Responses: ${Object.keys(op.responses).map(esc).join(', ')}</p>
</section>`);
    }
  }
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.05rem;margin:.6rem 0}
.m{display:inline-block;min-width:4.2rem;text-align:center;border-radius:3px;color:#fff;font-size:.8rem;padding:.1rem .3rem}
.m-get{background:#2b6cb0}.m-post{background:#2f855a}.m-put,.m-patch{background:#b7791f}.m-delete{background:#c53030}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:.8rem}.auth,.resp{color:#555;font-size:.9rem}
</style></head><body>
<h1>${esc(doc.info.title)}</h1>
<p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>. Sign in with <code>POST /api/auth/login</code>, then send
<code>Authorization: Bearer &lt;token&gt;</code>; browser sessions send <code>X-CSRF-Token</code> on changes.</p>
${sections.join('\n')}
</body></html>`;
}

function docFor(req: Request): Json {
  return buildOpenApi(routeRegistry(req.app));
}

/** The routes serving the description itself. */
export function openApiRoutes(): RouteDef[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/api/openapi.json',
        summary: 'This API as OpenAPI 3',
        tags: ['meta'],
        auth: 'public',
        responses: { 200: { description: 'this document', schema: { type: 'object', description: 'an OpenAPI 3.0.3 document' } } },
      },
      ({ req }) => docFor(req),
    ),
    defineRoute(
      {
        method: 'get',
        path: '/api/docs',
        summary: 'This API as a readable page',
        tags: ['meta'],
        auth: 'public',
        responses: { 200: { description: 'HTML', contentType: 'text/html' } },
      },
      ({ req, res }) => {
        res.type('html').send(docsHtml(docFor(req)));
      },
    ),
  ];
}
