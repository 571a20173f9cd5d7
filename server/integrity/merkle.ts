// The Merkle root of every case's anchored head, for a third party (the court, the 司法局): printed
// each day (`npm run verify -- --merkle --day 2026-12-06`, GET /api/admin/anchors/merkle) and handed
// over, it pins the whole history as it stood that day. Later, anyone holding the root can check that
// a case's history is the one anchored then (the inclusion proof of its head), without the database.
// The tree is the one of RFC 6962 (Certificate Transparency): leaf = sha256(0x00 ‖ data),
// node = sha256(0x01 ‖ left ‖ right), leaves in case-id order, an odd node carried up unpaired.
import { createHash } from 'node:crypto';
import { latestHeads, type AnchorLine, type AnchoredHead } from './anchor-log.ts';
import { isoShanghai } from '../engine/clock.ts';

const sha = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The leaf of a head: "<caseId> <version> <event hash> <record digest>". */
export const leafText = (caseId: string, h: Pick<AnchoredHead, 'version' | 'hash' | 'record'>): string =>
  `${caseId} ${h.version} ${h.hash} ${h.record}`;

const leafHash = (text: string): Buffer => sha(Buffer.from([0]), Buffer.from(text, 'utf8'));
const nodeHash = (l: Buffer, r: Buffer): Buffer => sha(Buffer.from([1]), l, r);

export interface ProofStep {
  side: 'left' | 'right';
  hash: string;
}

/** The root of the leaves, and the inclusion proof of leaf `index` if asked. */
export function merkle(leaves: string[], index?: number): { root: string; proof: ProofStep[] } {
  if (leaves.length === 0) return { root: sha().toString('hex'), proof: [] };
  let level = leaves.map(leafHash);
  let i = index ?? -1;
  const proof: ProofStep[] = [];
  while (level.length > 1) {
    const up: Buffer[] = [];
    for (let j = 0; j < level.length; j += 2) {
      if (j + 1 === level.length) up.push(level[j]);
      else up.push(nodeHash(level[j], level[j + 1]));
    }
    if (i >= 0) {
      const sibling = i % 2 === 0 ? i + 1 : i - 1;
      if (sibling < level.length) proof.push({ side: i % 2 === 0 ? 'right' : 'left', hash: level[sibling].toString('hex') });
      i = Math.floor(i / 2);
    }
    level = up;
  }
  return { root: level[0].toString('hex'), proof };
}

/** Recomputes the root from a leaf and its proof (what a third party does). */
export function rootFromProof(leaf: string, proof: readonly ProofStep[]): string {
  let h = leafHash(leaf);
  for (const step of proof) h = step.side === 'right' ? nodeHash(h, Buffer.from(step.hash, 'hex')) : nodeHash(Buffer.from(step.hash, 'hex'), h);
  return h.toString('hex');
}

export interface MerkleStatement {
  /** the day (Asia/Shanghai) whose end the root stands for, or null for "now" */
  day: string | null;
  /** heads anchored before this instant */
  until: string | null;
  cases: number;
  root: string;
  /** the inclusion proof of one case, when asked */
  proof?: { caseId: string; leaf: string; steps: ProofStep[] };
}

/** End of a Shanghai calendar day (UTC+8 all year), as epoch ms. */
export function endOfShanghaiDay(day: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00+08:00`))) {
    throw new RangeError(`day must be YYYY-MM-DD (got ${JSON.stringify(day)})`);
  }
  return Date.parse(`${day}T00:00:00+08:00`) + 24 * 3600_000;
}

/** The Merkle root of the anchored heads at the end of `day` (or of all lines), with a proof. */
export function merkleStatement(lines: readonly AnchorLine[], opts: { day?: string; caseId?: string } = {}): MerkleStatement {
  const until = opts.day ? endOfShanghaiDay(opts.day) : undefined;
  const heads = latestHeads(lines, until);
  const ids = [...heads.keys()].sort();
  const leaves = ids.map((id) => leafText(id, heads.get(id)!));
  const index = opts.caseId ? ids.indexOf(opts.caseId) : -1;
  const { root, proof } = merkle(leaves, index >= 0 ? index : undefined);
  return {
    day: opts.day ?? null,
    until: until === undefined ? null : isoShanghai(new Date(until)),
    cases: ids.length,
    root,
    ...(index >= 0 ? { proof: { caseId: opts.caseId!, leaf: leaves[index], steps: proof } } : {}),
  };
}
