// The product's API routers (API.md), in the order they are mounted. server/wiring.ts imports this module
// and mounts every router after the sign-in routes.
import type { RouterFactory } from '../services.ts';
import { adminRoutes } from './admin.routes.ts';
import { bulkRoutes } from './bulk.routes.ts';
import { casesRoutes } from './cases.routes.ts';
import { courtRoutes } from './court.routes.ts';
import { documentsRoutes } from './documents.routes.ts';
import { oversightRoutes } from './oversight.routes.ts';
import { trackRoutes } from './track.routes.ts';
import { webhooksRoutes } from './webhooks.routes.ts';

export const routers: RouterFactory[] = [casesRoutes, bulkRoutes, documentsRoutes, courtRoutes, trackRoutes, oversightRoutes, adminRoutes, webhooksRoutes];
