// A use case's ValidationFailed as form errors: each problem beside its form field, in the page's
// language. The pages validate with the same schemas as the API (server/cases/), so the problems
// name the API's fields; `rename` maps them onto the form's.
import type { ValidationFailed } from '../engine/errors.ts';
import type { FieldProblem } from '../validation.ts';
import type { Lang } from './i18n.ts';
import { t } from './i18n.ts';

/** A joi problem type → the message shown beside the field, in the page's language. */
export function messageFor(lang: Lang, type: string | undefined, message = ''): string {
  const ty = type ?? '';
  if (ty === 'any.required' || ty === 'string.empty' || ty === 'array.includesRequiredUnknowns') return t(lang, 'v_required');
  if (ty === 'string.pattern.name' && message.includes('blank')) return t(lang, 'v_required');
  if (ty === 'array.min') return t(lang, 'v_min_one');
  if (ty === 'array.hasUnknown') return t(lang, 'v_applicant');
  // issue 14: the rule itself, with its limit, rather than "内容无效"
  const limit = /(-?\d+(?:\.\d+)?)/.exec(message.replace(/^"[^"]*"/, ''))?.[1];
  if (limit !== undefined) {
    if (ty === 'number.min' || ty === 'number.greater') return t(lang, 'v_number_min', { n: limit });
    if (ty === 'number.max' || ty === 'number.less') return t(lang, 'v_number_max', { n: limit });
    if (ty === 'string.max') return t(lang, 'v_max_chars', { n: limit });
    if (ty === 'string.min') return t(lang, 'v_min_chars', { n: limit });
    if (ty === 'array.max') return t(lang, 'v_max_items', { n: limit });
  }
  if (ty === 'number.integer') return t(lang, 'v_integer');
  if (ty.startsWith('number.')) return t(lang, 'v_number');
  if (ty.startsWith('string.pattern')) return t(lang, 'v_pattern');
  if (ty === 'array.unique') return t(lang, 'v_unique');
  if (ty.startsWith('date.') || ty.startsWith('instant.') || ty === 'string.isoDate') return t(lang, 'v_date');
  if (ty === 'any.only' || ty === 'boolean.base') return t(lang, 'v_choice');
  if (ty === 'string.max' || ty === 'array.max') return t(lang, 'v_too_long');
  if (ty === 'string.min') return t(lang, 'v_too_short');
  return t(lang, 'v_invalid');
}

/**
 * The API's validation problems as form errors: `rename` turns an API field path ('data.reason',
 * 'parties.1.name') into the form's field name ('reason', 'p1.name'); null puts it at form level.
 */
export function formErrors(err: ValidationFailed, lang: Lang, rename: (field: string) => string | null): Record<string, string> {
  const errors: Record<string, string> = {};
  const problems = Array.isArray(err.details) ? (err.details as FieldProblem[]) : [];
  for (const p of problems) {
    const name = rename(String(p.field ?? '')) ?? '_form';
    errors[name] ??= messageFor(lang, p.type, p.message);
  }
  if (!Object.keys(errors).length) errors._form = t(lang, 'form_has_errors');
  return errors;
}
