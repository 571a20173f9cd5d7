// Real hash-chained commits for the integrity tests, committed the way the product commits them:
// through the GroupCommitter with the anchor log's hook (server/integrity/anchoring.ts).
import { GroupCommitter } from '../../server/engine/group-commit.ts';
import { hashEvent } from '../../server/engine/hash-chain.ts';
import { AnchorLog } from '../../server/integrity/anchor-log.ts';
import { anchorHook } from '../../server/integrity/anchoring.ts';
import { dataFiles } from '../../server/integrity/data-dir.ts';
import { openStore } from '../../server/store/open.ts';
import type { CaseRecord, Commit, EventRecord, Store } from '../../server/store/port.ts';
import { at, makeCase } from '../support/records.ts';

/** The commit of the next event of a case (its first when `prev` is null), with a real hash chain. */
export function chained(id: string, prev: CaseRecord | null): Commit {
  const seq = (prev?.version ?? 0) + 1;
  const when = at(seq);
  const body: Omit<EventRecord, 'hash'> = {
    caseId: id,
    seq,
    type: seq === 1 ? 'REGISTER' : 'NOTE',
    at: when,
    actor: { id: 'u-1', username: 'mediator', role: 'mediator' },
    data: { n: seq, text: '物业漏水纠纷调解记录'.repeat(20) },
    clientIp: null,
    prevHash: prev?.lastHash ?? '',
  };
  const event: EventRecord = { ...body, hash: hashEvent(body) };
  const base = prev ?? makeCase({ id, caseNo: `（2026）示范物调字第${id}号` });
  const record: CaseRecord = { ...base, version: seq, lastHash: event.hash, summary: `${seq} 次记录`, updatedAt: when };
  return { caseId: id, expectedVersion: seq - 1, event, record, outbox: [], armTimers: [], cancelTimerKinds: [] };
}

export interface Writer {
  store: Store;
  anchors: AnchorLog;
  /** commits `events` more events to each case, the cases in parallel; calls `acked` on each ack */
  write(ids: string[], events: number, acked?: (id: string, version: number) => void): Promise<void>;
  close(): Promise<void>;
}

export async function openWriter(dataDir: string): Promise<Writer> {
  const store = await openStore({ dataDir, mongodbUri: null });
  await store.init();
  const anchors = await new AnchorLog(dataFiles(dataDir).anchors).open();
  const committer = new GroupCommitter(store, 500, undefined, anchorHook(anchors));
  return {
    store,
    anchors,
    async write(ids, events, acked) {
      await Promise.all(
        ids.map(async (id) => {
          let prev = await store.cases.get(id);
          for (let i = 0; i < events; i++) {
            prev = await committer.submit(chained(id, prev));
            acked?.(id, prev.version);
          }
        }),
      );
    },
    async close() {
      await store.close();
      await anchors.close();
    },
  };
}
