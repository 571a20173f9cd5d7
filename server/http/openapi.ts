// GET /api/openapi.json and GET /api/docs, generated from the very joi schemas the routes validate
// with (app.locals.routes, filled by mountRoutes), so the description cannot drift from the code.
// The docs page is plain HTML with no external assets.
import type { Request } from 'express';
import joiToSwagger from 'joi-to-swagger';
import type Joi from 'joi';
import { defineRoute, isIdempotent, routeRegistry, type RouteDef } from './validate.ts';

type Json = Record<string, any>;

export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\*([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function convert(schema: Joi.Schema, components: Json): Json {
  // a CommonJS module: its default import is the function, which also carries itself as .default
  const { swagger, components: more } = joiToSwagger.default(schema, components);
  if (more?.schemas) Object.assign((components.schemas ??= {}), more.schemas);
  return swagger;
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

const ERROR_RESPONSE = { $ref: '#/components/responses/Error' };

function operation(def: RouteDef, components: Json): Json {
  const ok = def.status ?? 200;
  const responses: Json = {};
  for (const [status, doc] of Object.entries(def.responses ?? { [ok]: { description: 'OK' } })) {
    responses[status] = {
      description: doc.description,
      ...(doc.schema ? { content: { [doc.contentType ?? 'application/json']: { schema: convert(doc.schema, components) } } } : {}),
    };
  }
  const errors = ['400'];
  if (def.auth !== 'public') errors.push('401');
  if (Array.isArray(def.auth)) errors.push('403');
  if (/[:*]/.test(def.path)) errors.push('404');
  if (isIdempotent(def)) errors.push('409');
  if (def.body) errors.push('413');
  errors.push('429');
  for (const status of errors) responses[status] ??= ERROR_RESPONSE;

  const params = [...pathParams(def, components), ...parameters(def.query, 'query', components)];
  if (isIdempotent(def)) {
    params.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'retry safely: the same key with the same body replays the first response',
      schema: { type: 'string', maxLength: 200 },
    });
  }
  return {
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    ...(def.tags?.length ? { tags: def.tags } : {}),
    operationId: `${def.method}${openApiPath(def.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    ...(params.length ? { parameters: params } : {}),
    ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: convert(def.body, components) } } } } : {}),
    responses,
    security: def.auth === 'public' ? [] : [{ bearerAuth: [] }, { cookieAuth: [] }],
    'x-roles': def.auth,
  };
}

export function buildOpenApi(routes: readonly RouteDef[], info: { title?: string; version?: string } = {}): Json {
  const components: Json = {
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', example: 'VALIDATION_FAILED' },
              message: { type: 'string' },
              details: {},
            },
          },
        },
      },
    },
    responses: {
      Error: {
        description: 'error: {"error": {"code", "message", "details"}}',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
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
  return {
    openapi: '3.0.3',
    info: {
      title: info.title ?? '物业纠纷调解 — case engine API',
      version: info.version ?? '0.1.0',
      description:
        'Residential property-dispute mediation (物业纠纷调解). Errors: {"error": {"code", "message", "details"}}. ' +
        'Changing POSTs accept an Idempotency-Key header.',
    },
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
      { method: 'get', path: '/api/openapi.json', summary: 'This API as OpenAPI 3', tags: ['meta'], auth: 'public' },
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
