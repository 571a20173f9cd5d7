// Registering a case (登记, POST /api/cases and the /intake form): the compound must be one of the
// organisation tree (else 400), the caller must serve it (policy.ts mayRegisterIn, else 422
// OUT_OF_JURISDICTION), and the engine routes it to a tier and issues the parties' access code,
// shown once. The API and the page call this with the same typed request.
import type { Directory } from '../engine/directory.ts';
import type { IntakeRequest, RequestMeta } from '../engine/engine.ts';
import { OutOfJurisdiction, ValidationFailed } from '../engine/errors.ts';
import { mayRegisterIn } from '../policy.ts';
import type { Services } from '../services.ts';
import type { CaseRecord, UserRecord } from '../store/port.ts';
import { validateInput } from '../validation.ts';
import { actorOf } from './access.ts';
import { intakeBody } from './schemas.ts';

export interface Registered {
  record: CaseRecord;
  /** the parties' access code: shown this once, only its hash is kept */
  accessCode: string;
}

/** An intake request as the API's body or a page's form gives it → the typed request (400 naming
 * every bad field). */
export function readIntake(input: unknown): IntakeRequest {
  return validateInput<IntakeRequest>(intakeBody, input ?? {}, 'body', false);
}

/** The compound's chain of bodies; an unknown compound is the client's mistake (400). */
export function compoundChainOf(directory: Directory, compoundId: string) {
  const chain = directory.compoundChain(compoundId);
  if (!chain) {
    throw new ValidationFailed('invalid body: "compoundId" is not a compound of the organisation tree', [
      { field: 'compoundId', in: 'body', message: '"compoundId" is not a compound of the organisation tree (GET /api/org)' },
    ]);
  }
  return chain;
}

/** What intake checks beyond the schema, for one case or one row of a batch (server/cases/bulk.ts). */
export function checkIntakeArea(services: Services, user: UserRecord, compoundId: string): void {
  const chain = compoundChainOf(services.directory, compoundId);
  if (!mayRegisterIn(user, chain.bodies, services.directory)) {
    throw new OutOfJurisdiction(`compound ${chain.compound.name} is outside the area your mediation body serves`, {
      compoundId,
      field: 'compoundId',
    });
  }
}

export async function registerCase(services: Services, user: UserRecord, request: IntakeRequest, meta: RequestMeta = {}): Promise<Registered> {
  checkIntakeArea(services, user, request.compoundId);
  return services.engine.intake(request, actorOf(user, services.directory), meta);
}
