// Tamper evidence: each event carries the hash of the one before it, so rewriting history anywhere
// breaks every later link. `verifyChain` names the first broken link.
import { createHash } from 'node:crypto';
import type { EventRecord } from '../store/port.ts';

/** JSON with object keys sorted at every depth: the same event always hashes the same. Written as
 * loops (every event is hashed on the commit path); the output is the same, character for character,
 * as the first version's `Object.entries → filter → sort → map → join` (test/server/engine/hash-chain.test.ts
 * compares the two): keys in UTF-16 code unit order (`sort()`'s default), undefined members left out,
 * undefined or a function inside an array written as null, a hole in an array as nothing. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      if (i in value) out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

export function hashEvent(e: Omit<EventRecord, 'hash'>): string {
  const body = canonicalJson({
    caseId: e.caseId,
    seq: e.seq,
    type: e.type,
    at: e.at,
    actor: e.actor,
    data: e.data,
    clientIp: e.clientIp ?? null,
    prevHash: e.prevHash,
  });
  return createHash('sha256').update(body).digest('hex');
}

export type ChainCheck = { ok: true; events: number } | { ok: false; seq: number; problem: string };

export function verifyChain(events: EventRecord[]): ChainCheck {
  let prev = '';
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.seq !== i + 1) return { ok: false, seq: e.seq, problem: `expected seq ${i + 1}` };
    if (e.prevHash !== prev) return { ok: false, seq: e.seq, problem: 'prevHash does not match the previous event' };
    if (hashEvent(e) !== e.hash) return { ok: false, seq: e.seq, problem: 'hash does not match the event content' };
    prev = e.hash;
  }
  return { ok: true, events: events.length };
}
