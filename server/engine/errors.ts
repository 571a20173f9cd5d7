// One error type per thing a caller can act on. Domain code never knows HTTP status codes: the
// mapping lives in exactly one place (server/http/errors.ts).

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
