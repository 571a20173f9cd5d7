// The ledger (台账): one line per case with what an office files, personal data masked (the lines are
// masked when projected: facts.ts). Exported as CSV that Excel opens with Chinese text intact (UTF-8
// with a byte-order mark, CRLF) and as JSON — both streamed a page at a time from the projection,
// with backpressure, so memory stays flat however long it is — and as typed XLSX with exceljs's
// streaming WorkbookWriter, with the backpressure exceljs leaves out put back (see writeLedgerXlsx):
// streamed too, as long as it is, in flat memory.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { LedgerEntry, LedgerLine, OversightQuery, Store } from '../store/port.ts';
import {
  csvField,
  csvLine,
  LATER_SEPARATOR,
  LEDGER_COLUMNS,
  ledgerTemplate,
  ledgerItem,
  NAME_SLOTS,
  PLACEHOLDER,
  stripControls,
  type Names,
} from './ledger-format.ts';

export * from './ledger-format.ts';

/** The ledger, a page at a time, in registration order. */
export async function* ledgerPages(store: Store, q: OversightQuery, pageSize = 1000): AsyncGenerator<LedgerEntry[]> {
  if (!store.oversight) throw new Error('this store has no oversight projection');
  let after: { registeredAt: string; caseId: string } | null = null;
  for (;;) {
    const page = await store.oversight.ledger(q, after, pageSize);
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    const last = page[page.length - 1];
    after = { registeredAt: last.registeredAt, caseId: last.caseId };
  }
}

/** Waits until the stream wants more; false when the client has gone. */
async function writeOut(out: Writable, chunk: string | Buffer): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(chunk)) return true;
  const ac = new AbortController();
  try {
    const drained = once(out, 'drain', { signal: ac.signal }).then(() => true);
    const closed = once(out, 'close', { signal: ac.signal }).then(() => false);
    return await Promise.race([drained, closed]);
  } finally {
    ac.abort();
  }
}

export interface ExportResult {
  rows: number;
  /** false when the client went away before the end */
  complete: boolean;
}

/** The prepared lines (for CSV), a page at a time, in registration order. */
export async function* ledgerLinePages(store: Store, q: OversightQuery, pageSize = 2000): AsyncGenerator<LedgerLine[]> {
  const ov = store.oversight;
  if (!ov) throw new Error('this store has no oversight projection');
  if (!ov.ledgerLines) {
    // an adapter that does not keep prepared lines: prepare them from the rows
    for await (const page of ledgerPages(store, q, pageSize)) {
      yield page.map((e) => ({
        subdistrictId: String(e.row.subdistrictId ?? ''),
        communityId: String(e.row.communityId ?? ''),
        compoundId: String(e.row.compoundId ?? ''),
        bodyId: e.bodyId,
        line: Buffer.from(ledgerTemplate(e.row), 'utf8'),
        later: Buffer.from(e.laterCases.join(LATER_SEPARATOR), 'utf8'),
      }));
    }
    return;
  }
  let after: string | null = null;
  for (;;) {
    const page: { lines: LedgerLine[]; next: string | null } = await ov.ledgerLines(q, after, pageSize);
    if (page.lines.length) yield page.lines;
    if (!page.next) return;
    after = page.next;
  }
}

// ── whose case numbers a line may name (issue 15 §3) ───────────────────────────────────────────

/**
 * The case numbers a viewer may see named in 倒查关联案件 and 后续复发案件: those of cases the ledger's
 * own scope holds (held by a body in `bodyIds`: a sub-district centre its subtree, a community room its
 * own; the district and administrators everything, so no scope at all). The lines are shared by every
 * viewer, so the numbers are checked at export: a page's unknown numbers are looked up in one indexed
 * query (OversightStore.holders) and remembered for the rest of the export; lines naming no other
 * case cost nothing. A number no case has now (a case renumbered since) is left out.
 */
export class CaseNoScope {
  private readonly known = new Map<string, boolean>();
  private readonly bodies: ReadonlySet<string>;

  private constructor(
    private readonly store: Store,
    bodyIds: readonly string[],
  ) {
    this.bodies = new Set(bodyIds);
  }

  /** null when the query is not restricted to bodies, or its bodies are every mediation body there is
   * (`mediationBodyIds`: the district committee's scope): everything may be named, nothing is checked */
  static of(store: Store, q: OversightQuery, mediationBodyIds: readonly string[] = []): CaseNoScope | null {
    if (!q.bodyIds) return null;
    const scope = new CaseNoScope(store, q.bodyIds);
    return mediationBodyIds.length > 0 && mediationBodyIds.every((b) => scope.bodies.has(b)) ? null : scope;
  }

  /** Looks up the numbers not seen yet. */
  async learn(caseNos: Iterable<string>): Promise<void> {
    const unknown = [...new Set(caseNos)].filter((n) => n && !this.known.has(n));
    for (let i = 0; i < unknown.length; i += 500) {
      const chunk = unknown.slice(i, i + 500);
      for (const n of chunk) this.known.set(n, false);
      for (const h of await this.store.oversight.holders(chunk)) this.known.set(h.caseNo, this.bodies.has(h.bodyId));
    }
  }

  /** after learn(): may this number be named? */
  has(caseNo: string): boolean {
    return this.known.get(caseNo) === true;
  }
}

const relatedOfRow = (row: LedgerEntry['row']): string[] => {
  const r = (row as Record<string, unknown>).relatedCases;
  return Array.isArray(r) ? (r as string[]) : [];
};

/** Ledger entries with only the case numbers the scope may name (JSON, XLSX, reconciliation). */
export async function* scopedEntries(pages: AsyncIterable<LedgerEntry[]>, scope: CaseNoScope | null): AsyncGenerator<LedgerEntry[]> {
  for await (const page of pages) {
    if (!scope) {
      yield page;
      continue;
    }
    await scope.learn(page.flatMap((e) => [...relatedOfRow(e.row), ...e.laterCases]));
    yield page.map((e) => {
      const related = relatedOfRow(e.row);
      if (related.length === 0 && e.laterCases.length === 0) return e;
      return {
        ...e,
        row: { ...e.row, relatedCases: related.filter((n) => scope.has(n)) } as LedgerEntry['row'],
        laterCases: e.laterCases.filter((n) => scope.has(n)),
      };
    });
  }
}

// The prepared lines are matched as bytes: a case number's key is its UTF-8 read as latin1 (one
// character per byte, so no decoding), and a line whose numbers may all be named is passed on as the
// same buffer. Only a line that names a case outside the scope is rebuilt.
const SEP_BYTES = Buffer.from(LATER_SEPARATOR, 'utf8').toString('latin1');
const NONE: readonly string[] = [];
const keysOf = (b: Buffer): readonly string[] => (b.length ? b.toString('latin1').split(SEP_BYTES).filter(Boolean) : NONE);
const utf8Of = (key: string): string => Buffer.from(key, 'latin1').toString('utf8');

/** The last cell of a prepared line (倒查关联案件): where it starts and its numbers' keys. Case numbers
 * need no quoting; should a cell ever be quoted, it is unquoted (and re-quoted when rebuilt). */
function relatedCell(t: Buffer): { start: number; keys: readonly string[]; quoted: boolean } {
  if (t.length === 0 || t[t.length - 1] === 0x2c) return { start: t.length, keys: NONE, quoted: false };
  if (t[t.length - 1] !== 0x22) {
    const start = t.lastIndexOf(0x2c) + 1;
    return { start, keys: keysOf(t.subarray(start)), quoted: false };
  }
  // a quoted last cell: it starts at the last comma outside quotes
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === 0x22) inQuotes = !inQuotes;
    else if (t[i] === 0x2c && !inQuotes) start = i + 1;
  }
  const text = t.subarray(start + 1, t.length - 1).toString('utf8').replace(/""/g, '"').replace(/^'/, '');
  return { start, keys: keysOf(Buffer.from(text, 'utf8')), quoted: true };
}

/** Prepared lines with only the case numbers the scope may name (CSV). */
export async function* scopedLines(pages: AsyncIterable<LedgerLine[]>, scope: CaseNoScope | null): AsyncGenerator<LedgerLine[]> {
  const named = new Map<string, boolean>(); // key (UTF-8 bytes as latin1) → may be named
  for await (const page of pages) {
    if (!scope) {
      yield page;
      continue;
    }
    const cells = new Array<ReturnType<typeof relatedCell>>(page.length);
    const later = new Array<readonly string[]>(page.length);
    const unknown: string[] = [];
    const note = (keys: readonly string[]) => {
      for (const k of keys) {
        if (!named.has(k)) {
          named.set(k, false);
          unknown.push(k);
        }
      }
    };
    for (let i = 0; i < page.length; i++) {
      note((cells[i] = relatedCell(page[i].line)).keys);
      note((later[i] = keysOf(page[i].later)));
    }
    if (unknown.length) {
      const numbers = unknown.map(utf8Of);
      await scope.learn(numbers);
      unknown.forEach((k, i) => named.set(k, scope.has(numbers[i])));
    }
    const allNamed = (keys: readonly string[]) => keys.every((k) => named.get(k) === true);
    const kept = (keys: readonly string[]) => keys.filter((k) => named.get(k) === true).join(SEP_BYTES);
    yield page.map((l, i) => {
      const { start, keys, quoted } = cells[i];
      const relatedOk = allNamed(keys);
      const laterOk = allNamed(later[i]);
      if (relatedOk && laterOk) return l;
      const cell = quoted ? Buffer.from(csvField(utf8Of(kept(keys))), 'utf8') : Buffer.from(kept(keys), 'latin1');
      return {
        ...l,
        line: relatedOk ? l.line : Buffer.concat([l.line.subarray(0, start), cell]),
        later: laterOk ? l.later : Buffer.from(kept(later[i]), 'latin1'),
      };
    });
  }
}

const COMMA = Buffer.from(',');
const CRLF = Buffer.from('\r\n');

/**
 * CSV from the prepared lines: bytes copied, the number and the names filled in, one buffer per page.
 * Nothing is decoded: a line's Chinese text goes from the database to the socket as the UTF-8 it is.
 */
export async function writeLedgerCsv(out: Writable, pages: AsyncIterable<LedgerLine[]>, names: Names): Promise<ExportResult> {
  let rows = 0;
  if (!(await writeOut(out, '\uFEFF' + csvLine(LEDGER_COLUMNS.map((c) => c.header))))) return { rows, complete: false };
  const cache = new Map<string, Buffer>();
  const nameBytes = (slot: number, l: LedgerLine): Buffer => {
    const [kind, id] =
      slot === SLOT.subdistrict ? ['u', l.subdistrictId] : slot === SLOT.community ? ['u', l.communityId] : slot === SLOT.compound ? ['u', l.compoundId] : ['b', l.bodyId];
    const key = kind + id;
    let b = cache.get(key);
    if (!b) {
      const name = (kind === 'u' ? names.unit(id) : names.body(id)) ?? id;
      cache.set(key, (b = Buffer.from(csvField(stripControls(name)), 'utf8')));
    }
    return b;
  };
  for await (const page of pages) {
    const parts: Buffer[] = [];
    for (const l of page) {
      rows++;
      parts.push(Buffer.from(`${rows},`, 'latin1'));
      const t = l.line;
      let from = 0;
      for (let at = t.indexOf(PLACEHOLDER, from); at >= 0; at = t.indexOf(PLACEHOLDER, from)) {
        parts.push(t.subarray(from, at), nameBytes(t[at + 1], l));
        from = at + 2;
      }
      parts.push(t.subarray(from), COMMA, l.later, CRLF);
    }
    if (!(await writeOut(out, Buffer.concat(parts)))) return { rows, complete: false };
  }
  out.end();
  return { rows, complete: true };
}

const SLOT = {
  subdistrict: NAME_SLOTS.subdistrict.charCodeAt(0),
  community: NAME_SLOTS.community.charCodeAt(0),
  compound: NAME_SLOTS.compound.charCodeAt(0),
  body: NAME_SLOTS.body.charCodeAt(0),
};

export async function writeLedgerJson(
  out: Writable,
  pages: AsyncIterable<LedgerEntry[]>,
  names: Names,
  meta: Record<string, unknown> = {},
): Promise<ExportResult> {
  let rows = 0;
  if (!(await writeOut(out, '{"items":['))) return { rows, complete: false };
  for await (const page of pages) {
    let chunk = '';
    for (const e of page) chunk += (rows++ === 0 ? '' : ',') + JSON.stringify(ledgerItem(e, names));
    if (!(await writeOut(out, chunk))) return { rows, complete: false };
  }
  const tail = Object.entries({ total: rows, ...meta })
    .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v ?? null)}`)
    .join('');
  await writeOut(out, `]${tail}}`);
  out.end();
  return { rows, complete: true };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A day as Excel stores it: a date cell at midnight (exceljs writes UTC; the day is all that shows). */
function excelDay(v: string | number | null): Date | string | number | null {
  const m = typeof v === 'string' ? DAY.exec(v) : null;
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : v;
}

/** Column letters of a 1-based index (1 → A, 27 → AA). */
function columnLetters(n: number): string {
  let s = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s;
}

/**
 * Where exceljs 4.4's streaming writer drops backpressure: a worksheet's rows go into its own buffer
 * (utils/stream-buf.js), which writes them on, 64 KB at a time, into the zip entry's stream (archiver's
 * PassThrough, then deflate, then the response) without looking at write()'s answer. A loop that adds
 * rows faster than deflate and the socket take them (or one that never lets the event loop turn: the
 * store answers synchronously) therefore fills that PassThrough with the whole sheet, and nothing
 * reaches the client before the end — what was measured (issue 16 §2: first byte after the last row,
 * ~2.7 MB per 1,000 lines). This is that entry stream, so the writer can wait on it; undefined if an
 * exceljs release changes its internals (test/server/oversight/ledger-xlsx.test.ts then fails).
 */
function sheetEntry(ws: ExcelJS.Worksheet): Writable | undefined {
  const buf = (ws as unknown as { stream?: { pipes?: unknown[] } }).stream;
  const entry = buf?.pipes?.[0] as Writable | undefined;
  return entry && typeof entry.write === 'function' && typeof entry.on === 'function' ? entry : undefined;
}

/** What `s` holds unread, against its high-water mark (the entry is readable-stream 2's PassThrough,
 * which has neither writableLength nor writableHighWaterMark: its state says). */
function backlog(s: Writable): { length: number; highWaterMark: number } {
  const state = (s as unknown as { _writableState?: { length: number; highWaterMark: number } })._writableState;
  return { length: s.writableLength ?? state?.length ?? 0, highWaterMark: s.writableHighWaterMark ?? state?.highWaterMark ?? 16384 };
}

/** Waits until `s` has drained below its high-water mark; false if `out` closed first. */
async function drained(s: Writable, out: Writable): Promise<boolean> {
  if (out.destroyed) return false;
  const b = backlog(s);
  if (b.length < b.highWaterMark) return true;
  const ac = new AbortController();
  try {
    return await Promise.race([once(s, 'drain', { signal: ac.signal }).then(() => true), once(out, 'close', { signal: ac.signal }).then(() => false)]);
  } finally {
    ac.abort();
  }
}

/** Lines added between two looks at the zip entry's backlog (~60 KB of sheet XML). */
const XLSX_BATCH = 25;

/**
 * XLSX with exceljs's streaming WorkbookWriter (archiver underneath), as long as the ledger is and in
 * flat memory: every XLSX_BATCH lines the writer waits until the zip entry has taken what it was given
 * (sheetEntry: the backpressure exceljs leaves out), so the sheet goes to the client as it is written
 * and at most a page of lines (1,000) plus the streams' buffers is held. Days are real date cells
 * (yyyy-mm-dd), counts are numbers, the header row is frozen and carries an auto-filter over every
 * line (written at the sheet's end, when their number is known). No shared strings (they would be
 * kept to the end). Generic over LEDGER_COLUMNS: a column added there is written here.
 */
export async function writeLedgerXlsx(out: Writable, pages: AsyncIterable<LedgerEntry[]>, names: Names): Promise<ExportResult> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = '物业纠纷调解';
  const ws = wb.addWorksheet('台账', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = LEDGER_COLUMNS.map((c) => ({
    header: c.header,
    key: c.key,
    width: c.width,
    ...(c.type === 'date' ? { style: { numFmt: 'yyyy-mm-dd' } } : c.type === 'number' ? { style: { numFmt: c.numFmt ?? '0' } } : {}),
  }));
  const head = ws.getRow(1);
  head.font = { bold: true };
  head.commit();
  const entry = sheetEntry(ws);
  if (!entry) throw new Error('exceljs: the worksheet stream is not where this writer expects it (see sheetEntry)');
  let rows = 0;
  for await (const page of pages) {
    for (let i = 0; i < page.length; i++) {
      const item = ledgerItem(page[i], names);
      rows++;
      ws.addRow(LEDGER_COLUMNS.map((c) => (c.type === 'date' ? excelDay(c.cell(item, rows)) : (c.cell(item, rows) ?? null)))).commit();
      // let deflate and the socket take what was written before adding more
      if ((i + 1) % XLSX_BATCH === 0 || i === page.length - 1) {
        if (!(await drained(entry, out))) return { rows, complete: false };
      }
    }
  }
  // the filter covers the header and every line (written after the rows, at the sheet's end)
  ws.autoFilter = `A1:${columnLetters(LEDGER_COLUMNS.length)}${rows + 1}`;
  ws.commit();
  // the zip's end (styles, workbook, central directory); a client gone by then ends it too
  const ac = new AbortController();
  try {
    await Promise.race([wb.commit(), once(out, 'close', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
  return { rows, complete: out.writableFinished };
}
