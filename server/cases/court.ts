// A court-delegated case (委派调解, POST /api/court/delegations and the /court/delegations form): the
// intake fields plus the court's case number (案号), the mode (委派 before the court registers the case,
// 委托 after, with its procedure), 案由, 标的额 and due date. Registered with channel court_delegation
// at the district committee, which docks with the court; the court's due date is the case's
// deadline, or without one the limit of the mode (委派 30 days; 委托 15 普通程序 / 7 简易程序). A liaison delegates cases in their court's district only (policy.ts mayDelegateIn).
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
  /** the court's own case number (案号) */
  courtRef: string;
  /** the court's date; absent: the limit for the mode (and procedure) from the settings */
  dueAt?: string;
  mode?: 'delegated' | 'entrusted';
  procedure?: 'ordinary' | 'summary';
  causeOfAction?: string;
  claimAmount?: number;
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
  const { courtRef, dueAt, mode, procedure, causeOfAction, claimAmount, channel: _channel, ...fields } = body;
  const request: IntakeRequest = {
    ...fields,
    channel: 'court_delegation',
    delegation: {
      courtRef,
      // no date from the court: the case's deadline runs by the limit of its mode (server/engine/deadlines.ts)
      ...(dueAt ? { dueAt: dueAtFor(services, dueAt) } : {}),
      mode: mode ?? 'delegated',
      ...(procedure ? { procedure } : {}),
      ...(causeOfAction ? { causeOfAction } : {}),
      ...(claimAmount !== undefined ? { claimAmount } : {}),
    },
  };
  return services.engine.intake(request, actorOf(user, services.directory), meta);
}

export * from './court-facts.ts';
