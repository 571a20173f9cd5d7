// Who the signed-in user is to the engine, and the one way any edge (API, pages, live) reads a case
// on a user's behalf. Whether they may is server/policy.ts's decision; this only applies it.
import type { Actor } from '../../workflows/case.types.ts';
import { EventNotAllowed, NotFound } from '../engine/errors.ts';
import type { Org } from '../org.ts';
import { canActOnCase, canReadCase, type Viewer } from '../policy.ts';
import type { Services } from '../services.ts';
import type { CaseRecord, UserRecord } from '../store/port.ts';

/** The engine's actor for a signed-in user: their body and its tier decide what they may send. */
export function actorOf(user: UserRecord, org: Org): Actor {
  const body = user.bodyId ? org.body(user.bodyId) : undefined;
  return { id: user.id, username: user.username, role: user.role, bodyId: user.bodyId, tier: body?.tier ?? null, name: user.name };
}

/** The case, if this user may read it; otherwise NotFound, exactly as if it did not exist (a case
 * outside one's jurisdiction is not revealed, not even by a 403). */
export async function readableCase(services: Pick<Services, 'store' | 'directory'>, user: Viewer, caseId: string): Promise<CaseRecord> {
  const record = await services.store.cases.get(caseId);
  if (!record || !canReadCase(user, record, services.directory)) throw new NotFound('case');
  return record;
}

/** The case, if this user may change it (send `what`): a case they only read — the "已上报" view of a
 * case their body escalated — is 422 EVENT_NOT_ALLOWED; one they may not read is 404. */
export async function actableCase(services: Pick<Services, 'store' | 'directory'>, user: Viewer, caseId: string, what: string): Promise<CaseRecord> {
  const record = await readableCase(services, user, caseId);
  if (!canActOnCase(user, record, services.directory)) {
    throw new EventNotAllowed(what, 'the case was escalated or transferred to another body: this body keeps a read-only view', { reason: 'read_only' });
  }
  return record;
}
