// Reading an uploaded table — CSV (UTF-8 with or without BOM, or GB18030 as Excel saves it on Chinese
// Windows) or XLSX (first worksheet) — into rows of strings. Shared by the ledger reconciliation and
// the bulk intake.
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { ValidationFailed } from '../engine/errors.ts';

export type TableKind = 'csv' | 'xlsx';

export interface Table {
  /** rows of cells, the first row of the file first; `line` is the row's 1-based number in the file */
  rows: Array<{ line: number; cells: string[] }>;
}

/** XLSX files are ZIP archives: 'PK\x03\x04'. */
export const looksLikeXlsx = (buf: Buffer): boolean => buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;

/** UTF-8 (BOM or not) when it decodes as such, otherwise GB18030 (a superset of GBK/GB2312). */
export function decodeText(buf: Buffer): string {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('gb18030').decode(buf);
  }
}

export function readCsv(text: string): Table {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      relax_column_count: true,
      skip_empty_lines: false,
      trim: false,
      bom: true,
    }) as string[][];
  } catch (e) {
    throw new ValidationFailed(`the CSV file cannot be read: ${(e as Error).message}`);
  }
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

export async function readXlsx(buf: Buffer): Promise<Table> {
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

export async function readTable(buf: Buffer, kind?: TableKind): Promise<Table> {
  const k = kind ?? (looksLikeXlsx(buf) ? 'xlsx' : 'csv');
  return k === 'xlsx' ? readXlsx(buf) : readCsv(decodeText(buf));
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
