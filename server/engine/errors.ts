// One error type per thing a caller can act on, and the one table of what each code means to a
// client (STATUS_BY_CODE): the API answers with it (server/http/errors.ts) and the pages render the
// matching error page (server/pages/index.ts). Domain code throws; only the edges read the table.

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** expectedVersion was stale: someone else changed the case first. Nothing was written. */
export class VersionConflict extends DomainError {
  constructor(caseId: string, expected: number, actual: number | null) {
    super('VERSION_CONFLICT', `case ${caseId} is at version ${actual ?? '?'}, not ${expected}`, {
      expectedVersion: expected,
      currentVersion: actual,
    });
  }
}

/** The event does not apply in the case's current state, or not for this caller. */
export class EventNotAllowed extends DomainError {
  constructor(type: string, why: string, details?: unknown) {
    super('EVENT_NOT_ALLOWED', `${type} is not allowed: ${why}`, details);
  }
}

export class NotFound extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class ValidationFailed extends DomainError {
  constructor(message: string, details?: unknown) {
    super('VALIDATION_FAILED', message, details);
  }
}

export class Forbidden extends DomainError {
  constructor(message = 'not permitted for this role') {
    super('FORBIDDEN', message);
  }
}

export class Unauthenticated extends DomainError {
  constructor(message = 'sign in first') {
    super('UNAUTHENTICATED', message);
  }
}

export class Duplicate extends DomainError {
  constructor(message: string, details?: unknown) {
    super('DUPLICATE', message, details);
  }
}

export class RateLimited extends DomainError {
  constructor(message = 'too many attempts, try again later', readonly retryAfterSeconds?: number) {
    super('RATE_LIMITED', message);
  }
}

/** A mediator registering a case for a compound outside their body's area, or a court liaison
 * delegating one outside their court's district (server/policy.ts mayRegisterIn / mayDelegateIn). */
export class OutOfJurisdiction extends DomainError {
  constructor(message: string, details?: unknown) {
    super('OUT_OF_JURISDICTION', message, details);
  }
}

/** Every error code → the HTTP status an edge answers with; an unknown code is 400. Codes thrown as
 * plain DomainErrors (EXPORT_TOO_LARGE) are listed here too, so a status never depends on which
 * module happened to load first. */
export const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  INVALID_CREDENTIALS: 401,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_TOKEN_INVALID: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  VERSION_CONFLICT: 409,
  DUPLICATE: 409,
  IDEMPOTENCY_MISMATCH: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  EVENT_NOT_ALLOWED: 422,
  CONSENT_REQUIRED: 422,
  AGREEMENT_INCOMPLETE: 422,
  INVALID_CLAUSE: 422,
  OUT_OF_JURISDICTION: 422,
  EXPORT_TOO_LARGE: 422,
  UPLOAD_TOO_COMPLEX: 422,
  WEBHOOK_TARGET_NOT_ALLOWED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};
