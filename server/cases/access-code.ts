// Reissuing a resident's access code (POST /api/cases/:id/access-code and the case page's button):
// a party lost the slip, or the code was seen by someone it should not have been. Only the mediators
// of the body holding the case (and administrators) may; the old code stops working at once, and the
// history records who did it and when — never the code, which is shown once to the one who asked.
import type { RequestMeta } from '../engine/engine.ts';
import { EventNotAllowed } from '../engine/errors.ts';
import type { Services } from '../services.ts';
import type { UserRecord } from '../store/port.ts';
import { actableCase, actorOf } from './access.ts';

export async function reissueAccessCode(services: Services, user: UserRecord, caseId: string, meta: RequestMeta = {}): Promise<{ caseNo: string; accessCode: string; version: number }> {
  const record = await actableCase(services, user, caseId, 'ACCESS_CODE_REISSUED');
  if (user.role !== 'admin' && !(user.role === 'mediator' && user.bodyId === record.bodyId)) {
    throw new EventNotAllowed('ACCESS_CODE_REISSUED', 'only the mediators of the body holding the case reissue its access code', { reason: 'not_holding_body' });
  }
  const { record: next, accessCode } = await services.engine.reissueAccessCode(record.id, actorOf(user, services.directory), meta);
  return { caseNo: next.caseNo, accessCode, version: next.version };
}
