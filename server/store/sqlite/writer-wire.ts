// Errors as they cross from the writer thread to the event loop: a commit's rejection must arrive as
// the same error class (VersionConflict, Duplicate, TIMER_GONE, SQLite's own) with the same fields.
import Database from 'better-sqlite3';
import * as domain from '../../engine/errors.ts';

export interface WireError {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
  /** SQLite's extended code (SqliteError) */
  sqlite?: string;
}

export function toWire(e: unknown): WireError {
  if (e instanceof Database.SqliteError) return { name: 'SqliteError', message: e.message, sqlite: e.code };
  if (e instanceof domain.DomainError) return { name: e.name, message: e.message, code: e.code, details: e.details };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

const CLASSES = new Map<string, new (...args: never[]) => domain.DomainError>(
  Object.values(domain)
    .filter((v): v is typeof domain.DomainError => typeof v === 'function' && (v === domain.DomainError || v.prototype instanceof domain.DomainError))
    .map((c) => [c.name, c as unknown as new (...args: never[]) => domain.DomainError]),
);

export function fromWire(w: WireError): Error {
  if (w.name === 'SqliteError' && w.sqlite) return new Database.SqliteError(w.message, w.sqlite);
  if (w.code !== undefined) {
    const cls = CLASSES.get(w.name) ?? domain.DomainError;
    // the same class and fields as the error thrown in the writer (its constructor is not re-run:
    // the message is already made)
    const e = Object.create(cls.prototype) as domain.DomainError;
    const fields: Record<string, unknown> = { name: w.name, message: w.message, code: w.code, details: w.details };
    for (const [k, v] of Object.entries(fields)) Object.defineProperty(e, k, { value: v, writable: true, configurable: true, enumerable: k !== 'message' });
    Error.captureStackTrace(e, fromWire);
    return e;
  }
  const e = new Error(w.message);
  e.name = w.name;
  return e;
}
