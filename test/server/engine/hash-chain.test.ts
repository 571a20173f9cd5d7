// The event hash's canonical JSON (server/engine/hash-chain.ts) is written as loops for speed (issue 17);
// every hash already stored was made by the first version, so the two must agree character for
// character on anything an event can hold — and on the odd values JSON allows around it.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { canonicalJson, hashEvent } from '../../../server/engine/hash-chain.ts';
import { rng } from '../../support/rng.ts';

/** The first version, kept here as the reference. */
function firstCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(firstCanonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${firstCanonicalJson(v)}`).join(',')}}`;
}

const KEYS = ['a', 'B', 'b', 'Z', '_', '1', '10', '2', 'é', '调解', '\u{1F600}', 'data', 'type', 'x"y', 'line\nbreak', ''];
const STRINGS = ['', '双方到场，调解员释法析理', 'quote " and \\ backslash', '\u2028\u2029', '\u0000ctl', '\u{1F3E0} 漏水', '138****5678'];

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return [0, -0, 1.5, -42, 1e21, 12345678901234, Number.NaN, Number.POSITIVE_INFINITY][Math.floor(r() * 8)];
    case 3: return STRINGS[Math.floor(r() * STRINGS.length)];
    case 4: return undefined;
    case 5: return '2026-12-06T09:00:00.000+08:00';
    case 6: {
      const arr: unknown[] = [];
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i++) arr.push(value(r, depth + 1));
      if (r() < 0.1) arr[n + 1] = 'after a hole';
      return arr;
    }
    default: {
      const obj: Record<string, unknown> = {};
      const n = Math.floor(r() * 6);
      for (let i = 0; i < n; i++) obj[KEYS[Math.floor(r() * KEYS.length)]] = value(r, depth + 1);
      return obj;
    }
  }
}

describe('the canonical JSON events are hashed over', () => {
  it('is the first version’s output, character for character, on 5,000 generated values', () => {
    const r = rng(17);
    for (let i = 0; i < 5000; i++) {
      const v = value(r, 0);
      expect(canonicalJson(v), JSON.stringify(v)).to.equal(firstCanonicalJson(v));
    }
  });

  it('sorts keys by UTF-16 code units at every depth and leaves undefined members out', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: undefined }, B: null, '\u{1F600}': 1, 'é': 2 })).to.equal(
      '{"B":null,"a":{"d":[3,{"z":1}]},"b":1,"é":2,"\u{1F600}":1}',
    );
    expect(canonicalJson([undefined, () => 1, Symbol('s')])).to.equal('[null,null,null]');
    expect(canonicalJson({})).to.equal('{}');
    expect(canonicalJson([])).to.equal('[]');
  });

  it('hashes a recorded event as before (a hash stored by an earlier release)', () => {
    const event = {
      caseId: 'c1',
      seq: 2,
      type: 'RECORD_SESSION',
      at: '2026-11-23T10:00:00.000+08:00',
      actor: { id: 'u1', username: 'med.c1', role: 'mediator', bodyId: 'b1' },
      data: { summary: '双方到场，调解员释法析理', attendees: ['p1', 'p2'] },
      prevHash: 'abc',
    } as Parameters<typeof hashEvent>[0];
    expect(hashEvent(event)).to.equal(createHash('sha256').update(firstCanonicalJson({ ...event, clientIp: null })).digest('hex'));
  });
});
