// The anchor log's own group commit: heads asked to be anchored while an append is being written and
// synced are written after it together — one write, one fdatasync — in the order asked, and each
// caller is answered only once its line is on disk (server/integrity/anchor-log.ts).
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnchorLog, readAnchors, type Head } from '../../../server/integrity/anchor-log.ts';

describe('anchor log: appends asked meanwhile share one write and one fdatasync', () => {
  let dir: string;
  let proto: { write: (...a: unknown[]) => Promise<unknown>; datasync: () => Promise<void> };
  let original: typeof proto;
  const calls: string[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'anchors-'));
    const probe = await open(join(dir, 'probe'), 'w');
    proto = Object.getPrototypeOf(probe) as typeof proto;
    await probe.close();
    original = { write: proto.write, datasync: proto.datasync };
    calls.length = 0;
    proto.write = function (this: unknown, ...a: unknown[]) {
      calls.push(`write ${String(a[0]).split('\n').filter(Boolean).length}`);
      return original.write.apply(this, a);
    };
    proto.datasync = function (this: unknown) {
      calls.push('datasync');
      return original.datasync.apply(this);
    };
  });
  afterEach(() => {
    proto.write = original.write;
    proto.datasync = original.datasync;
    rmSync(dir, { recursive: true, force: true });
  });

  const head = (n: number): Head => [`case-${n}`, n, `hash-${n}`, `digest-${n}`];

  it('writes the first at once, the four asked while it is on its way in one more write, in order', async () => {
    const log = await new AnchorLog(join(dir, 'mediation.anchors')).open();
    const done: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map((n) => log.append([head(n)]).then(() => void done.push(n))));
    expect(calls).to.deep.equal(['write 1', 'datasync', 'write 4', 'datasync']);
    expect(done).to.deep.equal([1, 2, 3, 4, 5]);
    const lines = readAnchors(join(dir, 'mediation.anchors'));
    expect(lines.lines.map((l) => l.heads[0][0])).to.deep.equal(['case-1', 'case-2', 'case-3', 'case-4', 'case-5']);
    expect([lines.damaged, lines.torn]).to.deep.equal([[], []]);
    await log.close();
  });

  it('a failed sync answers every line of its batch with the error; the next append still reads back whole', async () => {
    const log = await new AnchorLog(join(dir, 'mediation.anchors')).open();
    await log.append([head(1)]);
    let failOnce = true;
    proto.datasync = function (this: unknown) {
      if (failOnce) {
        failOnce = false;
        return Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      }
      return original.datasync.apply(this);
    };
    const outcomes = await Promise.allSettled([log.append([head(2)]), log.append([head(3)])]);
    // 2 went alone and failed; 3 was asked while 2 was on its way and went in the next batch
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'fulfilled']);
    await log.append([head(4)]);
    const text = readFileSync(join(dir, 'mediation.anchors'), 'utf8');
    const lines = readAnchors(join(dir, 'mediation.anchors'));
    expect(lines.lines.map((l) => l.heads[0][0])).to.deep.equal(['case-1', 'case-2', 'case-3', 'case-4']); // 2 reached the file, unacknowledged
    expect(lines.damaged, text).to.deep.equal([]);
    await log.close();
  });
});
