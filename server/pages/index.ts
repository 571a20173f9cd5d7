// The product's pages (API.md "Pages"): /login, / (workbench, court inbox or an expert's cases),
// /cases/:id, /intake, /track, /dashboard, /admin. Plain express handlers render handlebars
// templates (views/pages, views/partials); forms post to page routes that call the engine and the
// policy directly with the signed-in user and redirect (PRG). Scripts in public/js only add live
// updates and charts: every form works without them.
//
// server/wiring.ts mounts `mountEarly` before body parsing and authentication (static files) and `mount` after
// the API routers (pages, then the pages' 404 and error pages; /api/* keeps its JSON answers).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Application, type ErrorRequestHandler, type Request } from 'express';
import type { MountHook } from '../app.ts';
import { DomainError, STATUS_BY_CODE } from '../engine/errors.ts';
import type { MountFactory, Services } from '../services.ts';
import { accountPages } from './account.page.ts';
import { adminEditPages } from './admin-edit.page.ts';
import { adminPages } from './admin.page.ts';
import { casePages } from './case.page.ts';
import { renderStatus } from './context.ts';
import { courtPages } from './court.page.ts';
import { dashboardPages } from './dashboard.page.ts';
import { intakePages } from './intake.page.ts';
import { loginPages } from './login.page.ts';
import { pageTemplates } from './render.ts';
import { trackPages } from './track.page.ts';
import { webhooksPages } from './webhooks.page.ts';
import { workbenchPages } from './workbench.page.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(here, '../..');
export const PUBLIC_DIR = join(ROOT, 'public');
export const VENDOR_FILES: Record<string, string> = {
  'socket.io.min.js': join(ROOT, 'node_modules/socket.io/client-dist/socket.io.min.js'),
  'chart.umd.min.js': join(ROOT, 'node_modules/chart.js/dist/chart.umd.min.js'),
};

/** Requests the JSON API answers: the pages leave them alone (404s and errors stay JSON there). */
const isApi = (req: Request) => req.path.startsWith('/api/') || req.path === '/api' || req.path.startsWith('/socket.io/');

const staticFiles: MountFactory = () => (app: Application) => {
  app.use('/public', express.static(PUBLIC_DIR, { maxAge: '1h', index: false, redirect: false, fallthrough: true }));
  for (const [name, file] of Object.entries(VENDOR_FILES)) {
    app.get(`/vendor/${name}`, (_req, res, next) => {
      res.sendFile(file, { maxAge: '30d', immutable: true }, (err) => err && next());
    });
  }
};

const pageRoutes: MountFactory = (services: Services): MountHook => {
  pageTemplates(); // precompile every template now, at start, never on a request
  const hooks = [loginPages, workbenchPages, casePages, intakePages, trackPages, courtPages, dashboardPages, adminPages, adminEditPages, accountPages, webhooksPages].map((f) => f(services));
  return (app, ctx) => {
    for (const hook of hooks) hook(app, ctx);

    // a missing page is a page too (the API keeps its JSON 404)
    app.use((req, res, next) => {
      if (isApi(req) || (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST')) return next();
      renderStatus(req, res, 404);
    });

    const pageErrors: ErrorRequestHandler = (err: unknown, req, res, next) => {
      if (isApi(req) || res.headersSent) return next(err);
      if (err instanceof DomainError) {
        const status = STATUS_BY_CODE[err.code] ?? 400;
        if (err.code === 'CSRF_TOKEN_INVALID') return renderStatus(req, res, 403, 'csrf_text', 'csrf_title');
        if (status >= 500) ctx.logger.error({ err, reqId: req.id }, 'page: domain error mapped to 5xx');
        return renderStatus(req, res, status >= 500 ? 500 : status);
      }
      const e = (err ?? {}) as { status?: unknown; statusCode?: unknown };
      const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
      if (status >= 400 && status < 500) return renderStatus(req, res, status);
      ctx.logger.error({ err, reqId: req.id, method: req.method, url: req.originalUrl }, 'page: unhandled error');
      renderStatus(req, res, 500);
    };
    app.use(pageErrors);
  };
};

export const mountEarly: MountFactory[] = [staticFiles];
export const mount: MountFactory[] = [pageRoutes];
