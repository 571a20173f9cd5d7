// The anchor log wired to a running store: the group commit's hook, and the check at start-up that
// the store still holds every head anchored last (a store put back from an older copy, or a WAL that
// lost commits, is refused before it takes new events that would fork the anchored history).
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { CaseRecord, Store } from '../store/port.ts';
import { type AnchorLog, type AnchorLine, headOf, latestHeads, parseAnchors, readAnchors } from './anchor-log.ts';
import { StoreRefused } from './data-dir.ts';
import { StorageUnavailable, storageFailure, storageSummary, type StorageStatus } from './storage-status.ts';

/** The GroupCommitter's `anchor` hook: one append + fsync per group. A failure answers the whole
 * group with 503 (the events are committed, but were not acknowledged) and shows in health. */
export function anchorHook(log: AnchorLog, status?: StorageStatus | null): (committed: CaseRecord[]) => Promise<void> {
  return async (committed) => {
    try {
      await log.append(committed.map(headOf));
    } catch (err) {
      status?.noteCommit(committed.length, err);
      throw new StorageUnavailable(
        `storage unavailable: the events were committed but could not be anchored (${storageSummary(err)}); their outcome is unknown until the case is read again`,
        storageFailure(err)?.code ?? 'ANCHOR_FAILED',
      );
    }
  };
}

/** The complete lines in the last `bytes` of the anchor log. */
export function readAnchorTail(file: string, bytes = 256 * 1024): AnchorLine[] {
  if (!existsSync(file)) return [];
  const size = statSync(file).size;
  if (size <= bytes) return readAnchors(file).lines;
  const buf = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, bytes, size - bytes);
  } finally {
    closeSync(fd);
  }
  // the first line is probably cut: start after it (line numbers here count from there)
  return parseAnchors(buf.subarray(buf.indexOf(0x0a) + 1)).lines;
}

/** Throws StoreRefused when a head anchored recently is not in the store (missing case, missing
 * events, different hash). Cheap: reads one event per case of the log's last lines. */
export async function checkAgainstAnchorTail(store: Store, file: string): Promise<void> {
  const heads = latestHeads(readAnchorTail(file));
  const problems: string[] = [];
  for (const [caseId, a] of heads) {
    const [event] = await store.events.list(caseId, a.version - 1, 1);
    if (!event) {
      const record = await store.cases.get(caseId);
      problems.push(
        record
          ? `case ${record.caseNo} (${caseId}) is at version ${record.version} but was anchored at version ${a.version}`
          : `case ${caseId} is missing but was anchored at version ${a.version}`,
      );
    } else if (event.hash !== a.hash) {
      problems.push(`case ${caseId}: event ${a.version} is not the one anchored`);
    }
    if (problems.length >= 3) break;
  }
  if (problems.length > 0) {
    throw new StoreRefused(
      `the store does not hold what its anchor log says was acknowledged (${problems.join('; ')}): refusing to start. ` +
        'Run `npm run verify` for the full list; restore a backup with `npm run restore <file>`.',
    );
  }
}
