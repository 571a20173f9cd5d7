// Issue 15 §1: one upload must not freeze everyone. Each hostile upload is sent to the reconciliation
// (and the bulk intake) while /api/health is asked again and again: the upload is refused with a
// clear 4xx in the documented error shape, and health keeps answering in under 100 ms meanwhile.
// Reproduces the attack: on the code before the fix, the 80,000-row CSV was reconciled on the event
// loop (200 after seconds), the zip bombs were unpacked whole (the lying one with 1.8 GB on the
// issue's 3.6 MB file), and a malformed filename* answered 500 (run against main on 2026-12-06).
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { crc32, deflateRawSync } from 'node:zlib';
import { startProduct, type Product } from '../support/http.ts';

// Health answers in under 100 ms while an upload is read: nine answers in ten (p90) and the median.
// The slowest single answer is bounded at 1 s, not 100 ms: on a shared two-core machine (load 15+
// while this was written) the operating system alone delays a lone health request by up to 100 ms
// with no upload at all (measured: 99 ms over 300 requests); the event loop blocked by a parse, as
// before the fix, held requests for seconds. The slowest answer is printed for the report.
const HEALTH_BOUND_MS = 100;
const HEALTH_WORST_MS = 1000;

/** A ZIP archive (the XLSX container) built by hand, so that its declared sizes can lie. */
function zipOf(entries: Array<{ name: string; data: Buffer; declaredSize?: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const packed = deflateRawSync(e.data, { level: 9 });
    const size = e.declaredSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** An XLSX whose one worksheet unpacks to `mb` megabytes of blanks (a few dozen KB packed). */
function zipBomb(mb: number, lie: boolean): Buffer {
  const sheet = Buffer.alloc(mb * 1024 * 1024, 0x20);
  sheet.write('<worksheet><sheetData>', 0);
  return zipOf([
    { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
    { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
    { name: 'xl/worksheets/sheet1.xml', data: sheet, declaredSize: lie ? 1000 : undefined },
  ]);
}

async function xlsxOfRows(n: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('台账');
  ws.addRow(['案件编号', '状态']);
  for (let i = 0; i < n; i++) ws.addRow([`（2026）示范华阳物调字第${i + 1}号`, '已结案']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('security: hostile uploads do not stall the server (issue 15 §1)', function () {
  this.timeout(120_000);
  let p: Product;
  let base: string;
  const worst = { ms: 0, what: '' };

  before(async () => {
    p = await startProduct();
    // the client keeps connections alive between tests; the server must not close one as it is reused
    p.running.server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => p.running.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(p.running.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    console.log(`      slowest /api/health answer during an upload: ${worst.ms.toFixed(1)} ms (${worst.what})`);
    p.running.server.close();
    await p.close();
  });

  const post = (path: string, body: Buffer, type: string, who: 'med.c1' | 'admin' = 'med.c1') =>
    fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${p.tokens[who]}`, 'content-type': type }, body: new Uint8Array(body) }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { error?: { code: string; message: string; details?: { limit?: string } } },
    }));

  /** Asks /api/health one request after another until `work` settles; every answer within the bound. */
  async function healthDuring<T>(what: string, work: Promise<T>): Promise<T> {
    let settled = false;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const watched = work.finally(() => (settled = true));
    const latencies: number[] = [];
    while (!settled) {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/health`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      expect(res.status).to.equal(200);
    }
    const result = await watched;
    loop.disable();
    const max = Math.max(...latencies);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`      ${what}: ${latencies.length} probes, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} p90 ${sorted[Math.floor(sorted.length * 0.9)].toFixed(1)} max ${max.toFixed(1)} ms; event-loop delay max ${(loop.max / 1e6).toFixed(1)} ms`);
    if (max > worst.ms) Object.assign(worst, { ms: max, what });
    // the first probe always starts while the upload is in flight; a refusal by declared size may come
    // back before a second one. How long each probe took is what the bounds below hold.
    expect(sorted[Math.floor(sorted.length / 2)], `${what}: median of ${latencies.length} health answers`).to.be.below(HEALTH_BOUND_MS);
    expect(sorted[Math.floor(sorted.length * 0.9)], `${what}: 90th percentile of ${latencies.length} health answers`).to.be.below(HEALTH_BOUND_MS);
    expect(max, `${what}: slowest of ${latencies.length} health answers`).to.be.below(HEALTH_WORST_MS);
    return result;
  }

  it('refuses 80,000 duplicate CSV rows (reconciliation and bulk intake) with 413, health answering meanwhile', async () => {
    const csv = Buffer.from(`案件编号,状态\n${'（2026）示范华阳物调字第1号,已结案\n'.repeat(80_000)}`, 'utf8');
    const reconcile = await healthDuring('80,000-row CSV', post('/api/ledger/reconcile', csv, 'text/csv'));
    expect(reconcile.status).to.equal(413);
    expect(reconcile.body.error).to.deep.include({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 'rows', max: 20_000 } });
    const bulk = await healthDuring('80,000-row bulk CSV', post('/api/cases/bulk', csv, 'text/csv'));
    expect(bulk.status).to.equal(413);
    expect(bulk.body.error?.code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('refuses an XLSX zip bomb that declares its size, and one that lies about it, with 413', async () => {
    const honest = await healthDuring('zip bomb (declared 64 MB)', post('/api/ledger/reconcile', zipBomb(64, false), 'application/octet-stream'));
    expect(honest.status).to.equal(413);
    expect(honest.body.error).to.deep.include({ code: 'PAYLOAD_TOO_LARGE' });
    expect(honest.body.error?.details?.limit).to.equal('uncompressedBytes');
    const liar = await healthDuring('zip bomb (declares 1 KB, holds 64 MB)', post('/api/ledger/reconcile', zipBomb(64, true), 'application/octet-stream'));
    expect(liar.status).to.equal(413);
    expect(liar.body.error?.details?.limit).to.equal('uncompressedBytes');
  });

  it('refuses an XLSX with more rows than allowed (counted while unpacking) with 413', async () => {
    const res = await healthDuring('XLSX of 25,000 rows', post('/api/ledger/reconcile', await xlsxOfRows(25_000), 'application/octet-stream'));
    expect(res.status).to.equal(413);
    expect(res.body.error?.details).to.deep.equal({ limit: 'rows', max: 20_000 });
  });

  it('answers six hostile uploads sent at once, each refused, health answering meanwhile', async () => {
    const bombs = [zipBomb(64, true), zipBomb(64, false), zipBomb(48, true), zipBomb(48, false), zipBomb(40, true), zipBomb(40, false)];
    const answers = await healthDuring('six zip bombs at once', Promise.all(bombs.map((b) => post('/api/ledger/reconcile', b, 'application/octet-stream'))));
    expect(answers.map((a) => a.status)).to.deep.equal([413, 413, 413, 413, 413, 413]);
  });

  it('still reconciles a large legitimate XLSX, read off the event loop', async () => {
    const res = await healthDuring('XLSX of 5,000 rows', post('/api/ledger/reconcile', await xlsxOfRows(5_000), 'application/octet-stream'));
    expect(res.status).to.equal(200);
    expect(JSON.stringify(res.body)).to.include('示范华阳物调字第4999号');
  });

  it('answers a malformed multipart filename* with 400 on reconciliation and bulk intake, not 500', async () => {
    const boundary = 'xBOUNDARYx';
    const form = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''%E0%A4%A.csv\r\nContent-Type: text/csv\r\n\r\n案件编号,状态\r\n--${boundary}--\r\n`,
    );
    for (const path of ['/api/ledger/reconcile', '/api/cases/bulk']) {
      const res = await post(path, form, `multipart/form-data; boundary=${boundary}`);
      expect(res.status, path).to.equal(400);
      expect(res.body.error?.code, path).to.equal('VALIDATION_FAILED');
      expect(res.body.error?.message).to.include('filename*');
    }
  });
});
