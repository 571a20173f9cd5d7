// A court-delegated case (委派调解, POST /api/court/delegations and the /court/delegations form): the
// intake fields plus the court's reference and due date. Registered with channel court_delegation
// at the district committee, which docks with the court; the court's due date is the case's
// deadline. A liaison delegates cases in their court's district only (policy.ts mayDelegateIn).
import type { IntakeRequest, RequestMeta } from '../engine/engine.ts';
import { isoShanghai } from '../engine/clock.ts';
import { OutOfJurisdiction, ValidationFailed } from '../engine/errors.ts';
import { mayDelegateIn } from '../policy.ts';
import type { Services } from '../services.ts';
import type { UserRecord } from '../store/port.ts';
import { validateInput } from '../validation.ts';
import { shanghaiDate } from '../../workflows/calendar/calendar.ts';
import { actorOf } from './access.ts';
import { compoundChainOf, type Registered } from './register.ts';
import { delegationBody } from './schemas.ts';

export interface DelegationRequest extends Omit<IntakeRequest, 'delegation' | 'channel'> {
  channel?: 'court_delegation';
  courtRef: string;
  dueAt: string;
  mode?: 'delegated' | 'entrusted';
}

export function readDelegation(input: unknown): DelegationRequest {
  return validateInput<DelegationRequest>(delegationBody, input ?? {}, 'body', false);
}

/** The court's due date as the deadline arithmetic wants it: a Shanghai day or instant, not in the past. */
function dueAtFor(services: Services, dueAt: string): string {
  const due = /^\d{4}-\d{2}-\d{2}$/.test(dueAt) ? dueAt : isoShanghai(new Date(dueAt));
  const today = shanghaiDate(isoShanghai(services.clock.now()));
  const maxDay = shanghaiDate(isoShanghai(new Date(services.clock.now().getTime() + 366 * 86_400_000)));
  const day = due.slice(0, 10);
  const problem = day < today ? 'must not be in the past' : day > maxDay ? 'must be within a year' : null;
  if (problem) throw new ValidationFailed(`invalid body: "dueAt" ${problem}`, [{ field: 'dueAt', in: 'body', message: `"dueAt" ${problem}` }]);
  return due;
}

export async function delegateFromCourt(services: Services, user: UserRecord, body: DelegationRequest, meta: RequestMeta = {}): Promise<Registered> {
  const chain = compoundChainOf(services.directory, body.compoundId);
  if (!mayDelegateIn(user, chain.bodies)) {
    throw new OutOfJurisdiction(`compound ${chain.compound.name} is outside your court's district`, { compoundId: body.compoundId, field: 'compoundId' });
  }
  const { courtRef, dueAt, mode, channel: _channel, ...fields } = body;
  const request: IntakeRequest = {
    ...fields,
    channel: 'court_delegation',
    delegation: { courtRef, dueAt: dueAtFor(services, dueAt), mode: mode ?? 'delegated' },
  };
  return services.engine.intake(request, actorOf(user, services.directory), meta);
}
