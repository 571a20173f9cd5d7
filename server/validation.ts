// Validating input against a joi schema, the same way at every edge: the API's routes (through
// server/http/validate.ts defineRoute) and the pages' forms. A problem names its field, where it
// was (body, query, …) and joi's type, so a page can show it beside the form field.
import type Joi from 'joi';
import { ValidationFailed } from './engine/errors.ts';

export type InputLocation = 'body' | 'query' | 'params' | 'header';
export interface FieldProblem {
  field: string;
  in: InputLocation;
  message: string;
  type?: string;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper than this, a request is refused: no form or event of ours nests that far. */
export const MAX_DEPTH = 32;

export interface SuspectKey {
  /** path of the value holding the key (the key itself at the top level) */
  field: string;
  key: string;
  tooDeep?: boolean;
}

/**
 * Values shaped like a query operator ({"$gt": ""}) or carrying a prototype key, anywhere in a
 * value, and values nested deeper than MAX_DEPTH.
 */
export function operatorKeys(value: unknown, path: string[] = [], out: SuspectKey[] = []): SuspectKey[] {
  if (value === null || typeof value !== 'object') return out;
  if (path.length > MAX_DEPTH) {
    out.push({ field: path.slice(0, MAX_DEPTH).join('.'), key: '', tooDeep: true });
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => operatorKeys(v, [...path, String(i)], out));
    return out;
  }
  for (const key of Object.keys(value)) {
    if (key.startsWith('$') || FORBIDDEN_KEYS.has(key)) out.push({ field: (path.length ? path : [key]).join('.'), key });
    else operatorKeys((value as Record<string, unknown>)[key], [...path, key], out);
  }
  return out;
}

function fieldOf(path: Array<string | number>, where: InputLocation): string {
  return path.length ? path.join('.') : where;
}

const OPTIONS = { abortEarly: false, stripUnknown: false, allowUnknown: false, errors: { wrap: { label: '"' } } } as const;

/** Each schema with OPTIONS set on it once, for each `convert`: joi merges options passed to validate()
 * into its defaults on every call, and merges a schema's own once and keeps the result. A schema with
 * preferences of its own keeps being given them per call (set ones would override its own). */
const prepared = [new WeakMap<Joi.Schema, Joi.Schema>(), new WeakMap<Joi.Schema, Joi.Schema>()];

function withOptions(schema: Joi.Schema, convert: boolean): Pick<Joi.Schema, 'validate'> {
  const cache = prepared[convert ? 1 : 0];
  let ready = cache.get(schema);
  if (!ready) {
    const own = (schema.describe() as { preferences?: unknown }).preferences;
    ready = own === undefined ? schema.prefs({ ...OPTIONS, convert }) : schema;
    cache.set(schema, ready);
  }
  if (ready !== schema) return ready;
  return { validate: (value: unknown) => schema.validate(value, { ...OPTIONS, convert }) } as Pick<Joi.Schema, 'validate'>;
}

/** Validates one part of the request; throws ValidationFailed naming every bad field. */
export function validateInput<T>(schema: Joi.Schema, value: unknown, where: InputLocation, convert: boolean): T {
  const problems: FieldProblem[] = [];
  for (const { field, key, tooDeep } of operatorKeys(value)) {
    if (problems.some((p) => p.field === field)) continue;
    const message = tooDeep
      ? `"${field}" is nested too deeply`
      : field === key
        ? `"${key}" is not allowed (operators and prototype keys are refused)`
        : `"${field}" must not contain the key "${key}" (operators and prototype keys are refused)`;
    problems.push({ field, in: where, message, type: tooDeep ? 'object.depth' : 'object.operator' });
  }
  const { error, value: out } = withOptions(schema, convert).validate(value);
  if (error) {
    for (const d of error.details) {
      const field = fieldOf(d.path, where);
      const shadowed = problems.some(
        (p) => (p.type === 'object.operator' || p.type === 'object.depth') && (field === p.field || field.startsWith(`${p.field}.`)),
      );
      if (!shadowed && !problems.some((p) => p.field === field && p.type === d.type)) {
        const message = d.path.length ? d.message : d.message.replace(/^"value"/, `"${where}"`);
        problems.push({ field, in: where, message, type: d.type });
      }
    }
  }
  if (problems.length) throw validationError(problems);
  return out as T;
}

export function validationError(problems: FieldProblem[]): ValidationFailed {
  const fields = [...new Set(problems.map((p) => p.field))];
  const message =
    problems.length === 1 ? `invalid ${problems[0].in}: ${problems[0].message}` : `invalid request: ${fields.join(', ')}`;
  return new ValidationFailed(message, problems);
}

