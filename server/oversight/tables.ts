// Reading an uploaded table — CSV (UTF-8 with or without BOM, or GB18030 as Excel saves it on Chinese
// Windows), XLSX (first worksheet) or JSON (a list of records: the ledger's JSON export as downloaded,
// {rows: […]}, or a bare array) — into rows of strings. Shared by the ledger reconciliation and the
// bulk intake.
//
// Bounded (issue 15 §1): at most `maxRows` rows; an XLSX file (a ZIP archive) is refused before it is
// unpacked when its entries declare more than `maxUncompressedBytes`, and while it is unpacked when
// they turn out to hold more (a zip bomb lies about its sizes), or its worksheets more than `maxRows`
// rows. Anything but a small file is read on a worker thread (server/oversight/table-pool.ts) with
// its own memory ceiling and a time limit, so the event loop keeps answering meanwhile.
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { DomainError, ValidationFailed } from '../engine/errors.ts';

export type TableKind = 'csv' | 'xlsx' | 'json';

export interface Table {
  /** rows of cells, the first row of the file first; `line` is the row's 1-based number in the file */
  rows: Array<{ line: number; cells: string[] }>;
}

/** XLSX files are ZIP archives: 'PK\x03\x04'. */
export const looksLikeXlsx = (buf: Buffer): boolean => buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;

/** JSON files start (after a byte-order mark and blanks) with an object or an array. */
export function looksLikeJson(buf: Buffer): boolean {
  let i = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  return buf[i] === 0x7b || buf[i] === 0x5b; // { or [
}

/** UTF-8 (BOM or not) when it decodes as such, otherwise GB18030 (a superset of GBK/GB2312). */
export function decodeText(buf: Buffer): string {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('gb18030').decode(buf);
  }
}

/** What one upload may cost (config: UPLOAD_MAX_ROWS, UPLOAD_MAX_UNCOMPRESSED, UPLOAD_PARSE_TIMEOUT_MS). */
export interface TableLimits {
  /** rows in the file (empty ones included) */
  maxRows: number;
  /** an XLSX archive's entries, unpacked, all together */
  maxUncompressedBytes: number;
  /** reading one file on the worker, after it started */
  timeoutMs: number;
}

export const DEFAULT_TABLE_LIMITS: TableLimits = { maxRows: 20_000, maxUncompressedBytes: 30 * 1024 * 1024, timeoutMs: 15_000 };

/** 413 PAYLOAD_TOO_LARGE, with what was over which limit */
export class UploadTooLarge extends DomainError {
  constructor(message: string, details: { limit: string; max: number }) {
    super('PAYLOAD_TOO_LARGE', message, details);
  }
}

const tooManyRows = (max: number) => new UploadTooLarge(`the file has more than ${max} rows: split it`, { limit: 'rows', max });

export function readCsv(text: string, limits: Pick<TableLimits, 'maxRows'> = DEFAULT_TABLE_LIMITS): Table {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      relax_column_count: true,
      skip_empty_lines: false,
      trim: false,
      bom: true,
      to: limits.maxRows + 1, // stops reading there: one more than allowed tells the file is too long
    }) as string[][];
  } catch (e) {
    throw new ValidationFailed(`the CSV file cannot be read: ${(e as Error).message}`);
  }
  if (records.length > limits.maxRows) throw tooManyRows(limits.maxRows);
  return {
    rows: records
      .map((cells, i) => ({ line: i + 1, cells: cells.map((c) => String(c ?? '')) }))
      .filter((r) => r.cells.some((c) => c.trim() !== '')),
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An XLSX cell as text: dates as YYYY-MM-DD (Excel dates carry no zone: exceljs gives UTC midnight). */
export function cellText(v: ExcelJS.CellValue): string {
  if (v == null) return '';
  if (v instanceof Date) {
    const date = `${v.getUTCFullYear()}-${pad(v.getUTCMonth() + 1)}-${pad(v.getUTCDate())}`;
    const time = v.getUTCHours() || v.getUTCMinutes() ? ` ${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}` : '';
    return date + time;
  }
  if (typeof v === 'object') {
    const o = v as unknown as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as Array<{ text: string }>).map((t) => t.text).join('');
    if ('result' in o) return cellText(o.result as ExcelJS.CellValue);
    if ('text' in o) return String(o.text ?? '');
    if ('error' in o) return '';
    return '';
  }
  return String(v);
}

/**
 * Checks an XLSX archive before ExcelJS unpacks it: the number of entries, the sizes they declare,
 * then — unpacking each entry as a stream and counting — the sizes they really have and the rows of
 * the worksheets, stopping at the first limit passed.
 */
export async function checkXlsxArchive(buf: Buffer, limits: Pick<TableLimits, 'maxRows' | 'maxUncompressedBytes'>): Promise<void> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(buf, { checkCRC32: false }); // reads the directory only
  } catch (e) {
    throw new ValidationFailed(`the XLSX file cannot be read: ${(e as Error).message}`);
  }
  const entries = Object.values(zip.files).filter((f) => !f.dir);
  if (entries.length > 10_000) throw new UploadTooLarge('the XLSX file has too many parts', { limit: 'entries', max: 10_000 });
  const max = limits.maxUncompressedBytes;
  const tooBig = () => new UploadTooLarge(`the XLSX file unpacks to more than ${Math.round(max / 1024 / 1024)} MB`, { limit: 'uncompressedBytes', max });
  const declared = entries.reduce((n, f) => n + ((f as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0), 0);
  if (declared > max) throw tooBig();
  let total = 0;
  for (const entry of entries) {
    const worksheet = /^xl\/worksheets\/[^/]+\.xml$/i.test(entry.name);
    let rows = 0;
    let tail = '';
    await new Promise<void>((resolve, reject) => {
      // not in JSZip's typings, documented in its API (ZipObject#internalStream)
      const stream = (entry as unknown as { internalStream(type: 'uint8array'): JSZip.JSZipStreamHelper<Uint8Array> }).internalStream('uint8array');
      stream
        .on('data', (chunk: Uint8Array) => {
          total += chunk.length;
          if (total > max) {
            stream.pause();
            return reject(tooBig());
          }
          if (worksheet) {
            const text = tail + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString('latin1');
            rows += text.match(/<(?:\w+:)?row[\s>]/g)?.length ?? 0;
            tail = text.slice(-8);
            rows -= tail.match(/<(?:\w+:)?row[\s>]/g)?.length ?? 0; // counted again with the next chunk
            if (rows > limits.maxRows) {
              stream.pause();
              return reject(tooManyRows(limits.maxRows));
            }
          }
        })
        .on('error', (e: Error) => reject(new ValidationFailed(`the XLSX file cannot be read: ${e.message}`)))
        .on('end', () => {
          rows += tail.match(/<(?:\w+:)?row[\s>]/g)?.length ?? 0;
          if (rows > limits.maxRows) reject(tooManyRows(limits.maxRows));
          else resolve();
        })
        .resume();
    });
  }
}

export async function readXlsx(buf: Buffer, limits: Pick<TableLimits, 'maxRows' | 'maxUncompressedBytes'> = DEFAULT_TABLE_LIMITS): Promise<Table> {
  await checkXlsxArchive(buf, limits);
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
  } catch (e) {
    throw new ValidationFailed(`the XLSX file cannot be read: ${(e as Error).message}`);
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new ValidationFailed('the XLSX file has no worksheet');
  const rows: Table['rows'] = [];
  ws.eachRow({ includeEmpty: false }, (row, line) => {
    const values = row.values as ExcelJS.CellValue[]; // 1-based
    const cells: string[] = [];
    for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
    if (cells.some((c) => c.trim() !== '')) rows.push({ line, cells });
  });
  return { rows };
}

type Cell = string | number | boolean | null | undefined | unknown[];

/**
 * A list of records as a table: a header row of every key (in the order first seen), then a row per
 * record (line = its position + 1, the header being line 1, as if it were a CSV). A list (the
 * ledger's 倒查关联案件, 调解层级 as codes) is joined with commas. At most `maxRows` records (413).
 */
export function tableOfRecords(records: ReadonlyArray<Record<string, Cell>>, limits: Pick<TableLimits, 'maxRows'> = DEFAULT_TABLE_LIMITS): Table {
  if (records.length > limits.maxRows) throw tooManyRows(limits.maxRows);
  const headers = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const text = (v: Cell) => (v == null ? '' : Array.isArray(v) ? v.join(',') : String(v));
  return {
    rows: [{ line: 1, cells: headers }, ...records.map((r, i) => ({ line: i + 2, cells: headers.map((h) => text(r[h])) }))],
  };
}

/**
 * A JSON file: the ledger's JSON export as downloaded ({items, total, from, to}), {rows: […]} or a
 * bare array of records whose values are text, numbers, true/false, null or lists of these.
 */
export function readJsonTable(text: string, limits: Pick<TableLimits, 'maxRows'> = DEFAULT_TABLE_LIMITS): Table {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ValidationFailed(`the JSON file cannot be read: ${(e as Error).message}`);
  }
  const o = doc as Record<string, unknown> | unknown[] | null;
  const records = Array.isArray(o) ? o : o && typeof o === 'object' ? (o.items ?? o.rows) : undefined;
  if (!Array.isArray(records)) {
    throw new ValidationFailed('the JSON file holds no list of records: send the ledger export ({items: […]}), {rows: […]} or an array');
  }
  if (records.length > limits.maxRows) throw tooManyRows(limits.maxRows);
  const scalar = (v: unknown) => v == null || ['string', 'number', 'boolean'].includes(typeof v);
  records.forEach((r, i) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new ValidationFailed(`record ${i + 1} of the JSON file is not an object`);
    for (const [k, v] of Object.entries(r)) {
      if (!(scalar(v) || (Array.isArray(v) && v.every(scalar)))) {
        throw new ValidationFailed(`record ${i + 1} of the JSON file: "${k.slice(0, 100)}" is neither text, a number, true/false nor a list of these`);
      }
    }
  });
  return tableOfRecords(records as Array<Record<string, Cell>>, limits);
}

/** Reads a table on this thread: the worker's job, and small files' (see readTable). Without a kind,
 * it is recognised by the content: a ZIP archive is XLSX, an object or array JSON, anything else CSV. */
export async function readTableHere(buf: Buffer, kind: TableKind | undefined, limits: TableLimits): Promise<Table> {
  const k = kind ?? (looksLikeXlsx(buf) ? 'xlsx' : looksLikeJson(buf) ? 'json' : 'csv');
  if (k === 'xlsx') return readXlsx(buf, limits);
  return k === 'json' ? readJsonTable(decodeText(buf), limits) : readCsv(decodeText(buf), limits);
}


/** The header row: the first of the first 10 rows naming one of `required` (title rows above it are
 * common in office spreadsheets). Returns the column index of each header and the data rows after it. */
export function headed(
  table: Table,
  required: readonly string[],
): { headers: string[]; rows: Array<{ line: number; cells: string[] }> } | null {
  const wanted = new Set(required.map(headerKey));
  for (let i = 0; i < Math.min(10, table.rows.length); i++) {
    const headers = table.rows[i].cells.map((c) => c.trim());
    if (headers.some((h) => wanted.has(headerKey(h)))) return { headers, rows: table.rows.slice(i + 1) };
  }
  return null;
}

/** Headers compared loosely: full-width folded, spaces and brackets' content kept, case-insensitive. */
export const headerKey = (h: string): string => h.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
