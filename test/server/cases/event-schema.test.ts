// eventBodyFor (server/cases/schemas.ts) picks the schema an event body is checked with by its type,
// instead of eventBody's `when` trying every type in turn. It must accept, fill in and refuse exactly
// what eventBody does: here both check the same bodies through the product's validateInput — every
// type with plausible, partial and malformed data drawn from the type's own schema (a fixed seed), and
// malformed bodies as a whole — and must give the same value or the same error (message, code, every
// problem with its field, location, message and joi type).
import { expect } from 'chai';
import type Joi from 'joi';
import { caseIdParams, EVENT_DATA, eventBody, eventBodyFor, intakeBody } from '../../../server/cases/schemas.ts';
import { readEvent } from '../../../server/cases/events.ts';
import { DomainError } from '../../../server/engine/errors.ts';
import { operatorKeys, validateInput } from '../../../server/validation.ts';
import { USER_EVENT_TYPES } from '../../../workflows/vocabulary.ts';
import { acceptData, PARTICULARS } from '../../support/workflow.ts';
import { rng as seeded } from '../../support/rng.ts';

const BAD: unknown[] = [null, '', '   ', 12345, -1, 1.5, 1e300, true, 'true', [], {}, ['x'], { $gt: '' }, '2026-02-30', '1899-01-01', 'x'.repeat(20_001)];
const STRINGS = ['x', 'p1', 'p2', 'm1', '2026-12-01', '2027-01-15T09:30:00+08:00', '第1次调解记录'];

interface Desc {
  type: string;
  flags?: { only?: boolean; presence?: string };
  allow?: unknown[];
  keys?: Record<string, Desc>;
  items?: Desc[];
  matches?: Array<{ schema?: Desc }>;
}

/** a value for a described schema: mostly plausible (right kind, allowed values), sometimes malformed */
function valueFor(desc: Desc, rnd: () => number, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  if (rnd() < 0.15) return pick(BAD);
  switch (desc.type) {
    case 'string':
      return desc.flags?.only && desc.allow?.length ? pick(desc.allow) : pick(STRINGS);
    case 'number':
      return pick([1, 2, 3, 5, 100, 0.5, 12_000]);
    case 'boolean':
      return desc.flags?.only && desc.allow?.length ? pick(desc.allow) : rnd() < 0.5;
    case 'array': {
      const n = Math.floor(rnd() * 3);
      return Array.from({ length: n }, () => (desc.items?.length && depth < 4 ? valueFor(pick(desc.items), rnd, depth + 1) : pick(STRINGS)));
    }
    case 'object':
      return objectFor(desc, rnd, depth + 1);
    case 'alternatives': {
      const alt = desc.matches?.length ? pick(desc.matches).schema : undefined;
      return alt ? valueFor(alt, rnd, depth) : pick(STRINGS);
    }
    default:
      return pick(STRINGS);
  }
}

function objectFor(desc: Desc, rnd: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(desc.keys ?? {})) {
    if (rnd() < (d.flags?.presence === 'required' ? 0.9 : 0.5)) out[key] = depth < 5 ? valueFor(d, rnd, depth) : 'x';
  }
  if (rnd() < 0.1) out.unknownKey = 'x';
  return out;
}

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string; details: unknown };

function outcome(schema: Joi.Schema, body: unknown, convert: boolean): Outcome {
  try {
    return { ok: true, value: validateInput(schema, body, 'body', convert) };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { ok: false, code: err.code, message: err.message, details: err.details };
  }
}

function bodiesOf(type: string, rnd: () => number, n: number): unknown[] {
  const desc = EVENT_DATA[type as keyof typeof EVENT_DATA].describe() as Desc;
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const body: Record<string, unknown> = { type };
    const r = rnd();
    if (r < 0.75) body.data = objectFor(desc, rnd);
    else if (r < 0.85) body.data = valueFor({ type: 'any' }, rnd); // data of the wrong kind
    // else: no data at all
    if (rnd() < 0.3) body.expectedVersion = rnd() < 0.7 ? 1 + Math.floor(rnd() * 50) : BAD[Math.floor(rnd() * BAD.length)];
    if (rnd() < 0.05) body.extra = 1;
    out.push(body);
  }
  return out;
}

describe('event bodies: eventBodyFor gives what eventBody gives', () => {
  const rnd = seeded(17);
  const malformed: unknown[] = [
    {},
    { data: {} },
    { type: 'NOT_AN_EVENT', data: {} },
    { type: 'record_session', data: { summary: 'x' } },
    { type: 'CREATED', data: {} }, // an event the engine raises itself
    { type: 'constructor', data: {} },
    { type: '__proto__', data: {} },
    { type: 7, data: { summary: 'x' } },
    { type: ['RECORD_SESSION'], data: { summary: 'x' } },
    { type: null },
    { type: { $ne: null }, data: {} },
    { type: 'RECORD_SESSION', data: { summary: { $gt: '' } } },
    { type: 'RECORD_SESSION', $where: '1' },
    { type: 'RECORD_SESSION', data: { summary: 'x' }, expectedVersion: '3' },
    { type: 'RECORD_SESSION', data: { summary: 'x' }, expectedVersion: 0 },
    { type: 'CLOSE', data: { x: 1 } },
    { type: 'CLOSE', data: null },
    { type: 'ACCEPT', data: 'x' },
    JSON.parse('{"type":"RECORD_SESSION","data":{"summary":"x"},"__proto__":{"admin":true}}'),
  ];
  const valid: unknown[] = [
    { type: 'ACCEPT' },
    { type: 'ACCEPT', data: acceptData() },
    { type: 'CLOSE' },
    { type: 'REQUEST_CONFIRMATION', expectedVersion: 4 },
    { type: 'RECORD_SESSION', data: { summary: '第1次调解记录：双方陈述意见' } },
    { type: 'SCHEDULE_SESSION', data: { at: '2026-12-01T09:30:00+08:00', place: '社区调解室' } },
    { type: 'EXTEND_DEADLINE', data: { days: 5, reason: '当事人出差' }, expectedVersion: 3 },
    { type: 'REACH_AGREEMENT', data: { terms: ['返还押金', { text: '赔偿', obligors: ['p2'], amount: 12_000, performBy: '2026-12-20' }], performBy: '2026-12-31', ...PARTICULARS } },
    { type: 'RECORD_FOLLOW_UP', data: { performance: 'full', satisfaction: 5 } },
    { type: 'INVITE_PARTICIPANT', data: { kind: 'unit', unit: '房管办', consentOf: ['p1', 'p2'] } },
  ];
  const generated = USER_EVENT_TYPES.flatMap((t) => bodiesOf(t, rnd, 60));
  const bodies = [...valid, ...malformed, ...generated];

  for (const convert of [false, true]) {
    it(`the same values and the same errors over ${bodies.length} bodies (convert ${convert})`, () => {
      let accepted = 0;
      for (const body of bodies) {
        const before = outcome(eventBody, structuredClone(body), convert);
        const after = outcome(eventBodyFor(body), structuredClone(body), convert);
        expect(after, JSON.stringify(body)).to.deep.equal(before);
        if (before.ok) accepted++;
      }
      // both sides of the comparison are exercised: bodies accepted and bodies refused
      expect(accepted).to.be.at.least(valid.length + 50);
      expect(bodies.length - accepted).to.be.at.least(malformed.length + 500);
    });
  }

  it('the hand-written valid bodies pass, and every type has a schema of its own', () => {
    for (const body of valid) expect(outcome(eventBodyFor(body), body, false).ok, JSON.stringify(body)).to.equal(true);
    for (const t of USER_EVENT_TYPES) expect(eventBodyFor({ type: t }), t).to.not.equal(eventBody);
    for (const body of [null, undefined, 'RECORD_SESSION', ['RECORD_SESSION'], { type: 'NOT_AN_EVENT' }, { type: 'hasOwnProperty' }]) {
      expect(eventBodyFor(body)).to.equal(eventBody);
    }
  });

  it('readEvent (the case page) answers as eventBody does', () => {
    for (const body of [...valid, ...malformed, ...generated.slice(0, 300)]) {
      let got: Outcome;
      try {
        got = { ok: true, value: readEvent(structuredClone(body)) };
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        got = { ok: false, code: err.code, message: err.message, details: err.details };
      }
      expect(got, JSON.stringify(body)).to.deep.equal(outcome(eventBody, structuredClone(body), false));
    }
  });
});

// validateInput sets its options on each schema once (schema.prefs) instead of passing them to every
// validate() call: the same values and errors as joi gives with the options passed per call
describe('validateInput: options set once answer as options passed per call', () => {
  const OPTIONS = { abortEarly: false, stripUnknown: false, allowUnknown: false, errors: { wrap: { label: '"' } } };
  const rnd = seeded(1717);

  function perCall(schema: Joi.Schema, value: unknown, convert: boolean): Outcome {
    const { error, value: out } = schema.validate(value, { ...OPTIONS, convert });
    if (!error) return { ok: true, value: out };
    const problems: Array<{ field: string; in: string; message: string; type: string }> = [];
    for (const d of error.details) {
      const field = d.path.length ? d.path.join('.') : 'body';
      if (problems.some((p) => p.field === field && p.type === d.type)) continue;
      problems.push({ field, in: 'body', message: d.path.length ? d.message : d.message.replace(/^"value"/, '"body"'), type: d.type });
    }
    const fields = [...new Set(problems.map((p) => p.field))];
    return { ok: false, code: 'VALIDATION_FAILED', message: problems.length === 1 ? `invalid body: ${problems[0].message}` : `invalid request: ${fields.join(', ')}`, details: problems };
  }

  const intakeDesc = intakeBody.describe() as Desc;
  const cases: Array<[string, Joi.Schema, unknown[]]> = [
    ['event bodies', eventBody, USER_EVENT_TYPES.flatMap((t) => bodiesOf(t, rnd, 15))],
    ['per-type event bodies', eventBody, USER_EVENT_TYPES.flatMap((t) => bodiesOf(t, rnd, 15))],
    ['intake bodies', intakeBody, Array.from({ length: 300 }, () => objectFor(intakeDesc, rnd))],
    ['case ids', caseIdParams, [{}, { id: 'c-1' }, { id: '' }, { id: 'a b' }, { id: 7 }, { id: 'x'.repeat(81) }, { id: 'c-1', extra: 'x' }]],
  ];
  for (const [name, schema, values] of cases) {
    it(`${name}: ${values.length} values`, () => {
      let refused = 0;
      for (const value of values.filter((v) => operatorKeys(v).length === 0)) {
        for (const convert of [false, true]) {
          const used = name.startsWith('per-type') ? eventBodyFor(value) : schema;
          const expected = perCall(used, structuredClone(value), convert);
          expect(outcome(used, structuredClone(value), convert), JSON.stringify(value)).to.deep.equal(expected);
          if (!expected.ok) refused++;
        }
      }
      expect(refused).to.be.greaterThan(0);
    });
  }
});
