// The XLSX ledger is written streaming (issue 16 §2): the sheet reaches the client while it is being
// written, the writer stops pulling lines while the client does not read (backpressure, so memory
// stays flat: bench/xlsx.bench.ts measures it), there is no cap on its length, and what it writes
// reconciles with no difference. The lines are synthetic (test/support/synthetic-ledger.ts): more than
// the old 100,000-line cap cannot be registered through the engine in a test, and the store is not what
// is tested here (test/http/ledger-roundtrip.test.ts takes the route's export through the real store).
import { Writable } from 'node:stream';
import { expect } from 'chai';
import JSZip from 'jszip';
import { LEDGER_COLUMNS, writeLedgerXlsx, type Names } from '../../../server/oversight/ledger.ts';
import { reconcile } from '../../../server/oversight/reconcile.ts';
import { readXlsx } from '../../../server/oversight/tables.ts';
import type { LedgerEntry, Store } from '../../../server/store/port.ts';
import { syntheticCaseNo, syntheticLedger } from '../../support/synthetic-ledger.ts';

const names: Names = { unit: (id) => `单位${id}`, body: (id) => `人民调解委员会${id}` };

/** A client: counts what it receives; while `stalled`, it takes nothing more after the first chunk. */
class Client extends Writable {
  bytes = 0;
  chunks: Buffer[] = [];
  private held: Array<() => void> = [];
  private stalled: boolean;
  readonly first: Promise<void>;
  private onFirst!: () => void;
  constructor(opts: { stalled: boolean; keep: boolean }) {
    super({ highWaterMark: 16 * 1024 });
    this.stalled = opts.stalled;
    this.keep = opts.keep;
    this.first = new Promise((resolve) => (this.onFirst = resolve));
  }
  private keep: boolean;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.bytes += chunk.length;
    if (this.keep) this.chunks.push(chunk);
    this.onFirst();
    if (this.stalled) this.held.push(done);
    else done();
  }
  release(): void {
    this.stalled = false;
    for (const done of this.held.splice(0)) done();
  }
}

/** Pages of `n` synthetic lines, counting how many the writer has pulled. */
function counted(n: number): { pages: AsyncIterable<LedgerEntry[]>; pulled: () => number } {
  let pulled = 0;
  return {
    pages: (async function* () {
      for await (const page of syntheticLedger(n)) {
        pulled++;
        yield page;
      }
    })(),
    pulled: () => pulled,
  };
}

/** Column letters (1 → A, 27 → AA) */
const letters = (n: number): string => (n > 26 ? letters(Math.floor((n - 1) / 26)) : '') + String.fromCharCode(65 + ((n - 1) % 26));

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** The sheet's rows as the zip holds them, read as a stream: how many, the last row's number and
 * cells' text, the auto-filter's range. (ExcelJS would load the whole sheet of 100,000 lines.) */
async function sheetFacts(xlsx: Buffer): Promise<{ rows: number; lastRow: string; filter: string | null; text: string[] }> {
  const zip = await JSZip.loadAsync(xlsx);
  const sheet = zip.file(/^xl\/worksheets\/sheet\d+\.xml$/)[0];
  expect(sheet, 'a worksheet in the archive').to.not.equal(undefined);
  let rows = 0;
  let tail = '';
  let lastRow = '';
  const text: string[] = [];
  await new Promise<void>((resolve, reject) => {
    (sheet as unknown as { internalStream(t: 'string'): JSZip.JSZipStreamHelper<string> })
      .internalStream('string')
      .on('data', (chunk: string) => {
        const s = tail + chunk;
        const cut = s.lastIndexOf('</row>');
        const whole = cut >= 0 ? s.slice(0, cut + 6) : '';
        tail = cut >= 0 ? s.slice(cut + 6) : s;
        const opened = whole.match(/<row r="\d+"/g) ?? [];
        rows += opened.length;
        if (opened.length) {
          lastRow = opened[opened.length - 1].slice(8, -1);
          const last = whole.slice(whole.lastIndexOf('<row '));
          text.splice(0, text.length, ...[...last.matchAll(/<([tv])(?: [^>]*)?>([^<]*)<\/\1>/g)].map((m) => m[2]));
        }
      })
      .on('error', reject)
      .on('end', () => resolve())
      .resume();
  });
  const filter = /<autoFilter ref="([^"]+)"/.exec(tail)?.[1] ?? null;
  return { rows, lastRow, filter, text };
}

describe('The XLSX ledger, written streaming (issue 16 §2)', function () {
  this.timeout(180_000);

  it('reaches a client before the last line is written, and pulls no more lines while the client reads nothing', async () => {
    const total = 20_000; // 20 pages
    const source = counted(total);
    const client = new Client({ stalled: true, keep: false });
    const writing = writeLedgerXlsx(client, source.pages, names);
    await client.first;
    // the client has its first bytes and takes no more: the writer must come to a stop within the
    // streams' buffers (a few hundred kilobytes of sheet, a page or two of lines), not read on to the end
    await turns(200);
    expect(source.pulled(), 'pages pulled while the client read nothing').to.be.at.most(4);
    await turns(200);
    expect(source.pulled(), 'still no more while the client still reads nothing').to.be.at.most(4);
    client.release();
    const result = await writing;
    expect(result).to.deep.equal({ rows: total, complete: true });
    expect(source.pulled()).to.equal(total / 1000);
  });

  it('stops, and says the export is incomplete, when the client goes away in the middle', async () => {
    const source = counted(50_000);
    const client = new Client({ stalled: true, keep: false });
    const writing = writeLedgerXlsx(client, source.pages, names);
    await client.first;
    client.destroy(); // the socket closed
    const result = await writing;
    expect(result.complete).to.equal(false);
    expect(result.rows).to.be.below(50_000);
    expect(source.pulled()).to.be.at.most(4);
  });

  it('has no cap: 100,001 lines (one more than the old limit) are all written, the filter over every one', async () => {
    const n = 100_001;
    const client = new Client({ stalled: false, keep: true });
    const result = await writeLedgerXlsx(client, syntheticLedger(n), names);
    expect(result).to.deep.equal({ rows: n, complete: true });
    const facts = await sheetFacts(Buffer.concat(client.chunks));
    expect(facts.rows, 'the header and every line').to.equal(n + 1);
    expect(facts.lastRow).to.equal(String(n + 1));
    expect(facts.text, 'the last line is the last case').to.include(syntheticCaseNo(n - 1));
    expect(facts.filter).to.equal(`A1:${letters(LEDGER_COLUMNS.length)}${n + 1}`);
  });

  it('what it writes reconciles with no difference, every column compared that reconciliation knows', async () => {
    // the store's side: the same synthetic lines (reconcile reads them by case number and in pages)
    const n = 3_000;
    const entries: LedgerEntry[] = [];
    for await (const page of syntheticLedger(n)) entries.push(...page);
    const byNo = new Map(entries.map((e) => [e.caseNo, e]));
    const store = {
      oversight: {
        ledgerByCaseNos: async (nos: string[]) => nos.map((no) => byNo.get(no)).filter((e): e is LedgerEntry => e !== undefined),
        ledger: async (_q: unknown, after: { caseId: string } | null, size: number) => {
          const from = after ? entries.findIndex((e) => e.caseId === after.caseId) + 1 : 0;
          return entries.slice(from, from + size);
        },
      },
    } as unknown as Store;
    const client = new Client({ stalled: false, keep: true });
    await writeLedgerXlsx(client, syntheticLedger(n), names);
    const table = await readXlsx(Buffer.concat(client.chunks));
    const report = await reconcile(store, table, { query: {}, names });
    expect(report.summary).to.deep.equal({
      fileRows: n,
      systemRows: n,
      matched: n,
      differing: 0,
      missingInSystem: 0,
      missingInFile: 0,
      duplicates: 0,
      invalid: 0,
    });
    expect(report.columns.compared.map((c) => c.field)).to.include.members(['registeredAt', 'status', 'clauses', 'performance', 'daysToSettle', 'satisfaction', 'tierPath']);
  });
});
