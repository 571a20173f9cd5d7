// The README walk (intake → event → track) written against the client types that openapi-typescript
// generates from /api/openapi.json (test/client/api.d.ts, `npm run openapi:types`). `npx tsc` compiles
// it: a field the description types wrongly (never, unknown, a missing `required`) is a type error
// here. test/http/openapi.test.ts runs it over HTTP against the product.
import type { components, paths } from './api.d.ts';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type IntakeBody = Json<paths['/api/cases']['post']['requestBody']>;
type Created = Json<paths['/api/cases']['post']['responses'][201]>;
type EventBody = Json<paths['/api/cases/{id}/events']['post']['requestBody']>;
type Changed = Json<paths['/api/cases/{id}/events']['post']['responses'][200]>;
type Tracked = Json<paths['/api/track/{caseNo}']['get']['responses'][200]>;
type Failure = components['schemas']['Error'];
export type Case = components['schemas']['Case'];

// compile-time checks: what a generated client must not lose
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type IsNever<T> = [T] extends [never] ? true : false;
const checks: [
  Equal<Case['version'], number>,
  Equal<Case['caseNo'], string>,
  Equal<Case['outcome'], 'resolved' | 'unresolved' | 'withdrawn' | 'referred' | 'declined' | null>,
  Equal<Case['statusLabel'], { zh: string; en: string }>,
  Equal<Tracked['history'][number]['label'], { zh: string; en: string }>,
  Equal<Tracked['history'][number]['by'], { zh: string; en: string }>,
  Equal<Tracked['deadlines'][number]['label'], { zh: string; en: string }>,
  Equal<Failure['error']['code'], string>,
  Equal<IsNever<Case['status']>, false>,
  Equal<Created['accessCode'], string>,
] = [true, true, true, true, true, true, true, true, true, true];
void checks;

export interface WalkResult {
  created: Created;
  accepted: Changed;
  tracked: Tracked;
  conflict: Failure;
}

/** Registers a case, accepts it, sends a stale event (409) and tracks it as the applicant would. */
export async function walk(base: string, token: string, intake: IntakeBody, accept: EventBody['data']): Promise<WalkResult> {
  const call = async <T>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> }, status: number): Promise<T> => {
    const res = await fetch(base + path, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    if (res.status !== status) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status}, expected ${status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const created = await call<Created>('/api/cases', { method: 'POST', body: intake }, 201);
  const id: string = created.case.id;
  const version: number = created.case.version;
  const body: EventBody = { type: 'ACCEPT', data: accept, expectedVersion: version };
  const accepted = await call<Changed>(`/api/cases/${id}/events`, { method: 'POST', body }, 200);
  const stale: EventBody = { type: 'ACCEPT', data: accept, expectedVersion: version };
  const conflict = await call<Failure>(`/api/cases/${id}/events`, { method: 'POST', body: stale }, 409);
  const tracked = await call<Tracked>(`/api/track/${encodeURIComponent(accepted.case.caseNo)}`, { headers: { 'X-Access-Code': created.accessCode, authorization: '' } }, 200);
  return { created, accepted, tracked, conflict };
}
