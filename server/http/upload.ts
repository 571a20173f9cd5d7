// File uploads for the oversight routes (reconciliation, bulk intake): the file may come as the raw
// body (text/csv, the XLSX type, application/octet-stream) or as the first file of a
// multipart/form-data form (a browser's <input type=file>) — CSV, XLSX or a JSON file (in a form, or
// recognised by its content). JSON bodies are left to express.json.
// Runs as a route's `before` middleware: the caller is authenticated and allowed first, so nobody
// can make the server buffer a large body without signing in.
import express, { type RequestHandler } from 'express';
import type { Role } from '../../workflows/vocabulary.ts';
import { DomainError, Forbidden, Unauthenticated, ValidationFailed } from '../engine/errors.ts';
import { looksLikeJson, looksLikeXlsx, type TableKind } from '../oversight/tables.ts';

export interface Upload {
  data: Buffer;
  kind: TableKind;
  filename: string | null;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** RFC 5987 `filename*=UTF-8''…`: a malformed escape (%E0%A4%A) is the client's mistake, a 400 (issue 15 §1) */
function decodedFilename(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new ValidationFailed('the file name (filename*) in the form is not valid percent-encoded UTF-8', [
      { field: 'file', in: 'body', message: 'filename* is not valid percent-encoded UTF-8' },
    ]);
  }
}

/** The first part of a multipart body that carries a file (or is named "file"). */
export function multipartFile(body: Buffer, contentType: string): { filename: string | null; type: string | null; data: Buffer } | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) return null;
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  let pos = body.indexOf(boundary);
  while (pos !== -1) {
    const after = pos + boundary.length;
    if (body[after] === 0x2d && body[after + 1] === 0x2d) return null; // closing boundary
    const headStart = after + 2; // CRLF
    const headEnd = body.indexOf('\r\n\r\n', headStart);
    if (headEnd === -1) return null;
    const next = body.indexOf(boundary, headEnd + 4);
    if (next === -1) return null;
    const head = body.subarray(headStart, headEnd).toString('utf8');
    const disposition = /^content-disposition:(.*)$/im.exec(head)?.[1] ?? '';
    const filenameStar = /filename\*=(?:UTF-8'')?([^;\r\n]+)/i.exec(disposition)?.[1];
    const filename = filenameStar ? decodedFilename(filenameStar.trim()) : (/filename="([^"]*)"/i.exec(disposition)?.[1] ?? null);
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (filename !== null || name === 'file') {
      const type = /^content-type:\s*([^\r\n]+)$/im.exec(head)?.[1]?.trim() ?? null;
      return { filename, type, data: body.subarray(headEnd + 4, next - 2) }; // the CRLF before the boundary is not data
    }
    pos = next;
  }
  return null;
}

function kindOf(data: Buffer, type: string | null, filename: string | null): TableKind {
  if (looksLikeXlsx(data)) return 'xlsx';
  if (type?.includes('spreadsheetml') || /\.xlsx$/i.test(filename ?? '')) return 'xlsx';
  if (/csv/i.test(type ?? '') || /\.csv$/i.test(filename ?? '')) return 'csv';
  if (/\bjson\b/i.test(type ?? '') || /\.json$/i.test(filename ?? '') || looksLikeJson(data)) return 'json';
  return 'csv';
}

/**
 * Reads a non-JSON body as an upload into `res.locals.upload` and leaves `req.body` as `{}` (or the
 * value `transform` makes of the upload, e.g. parsed rows, so validation and Idempotency-Key see it).
 */
export function acceptUpload(opts: {
  roles: readonly Role[];
  limit: string;
  transform?: (upload: Upload) => Promise<unknown> | unknown;
}): RequestHandler {
  const raw = express.raw({ type: () => true, limit: opts.limit });
  return (req, res, next) => {
    if (!req.auth) return next(new Unauthenticated());
    if (!opts.roles.includes(req.auth.user.role)) return next(new Forbidden());
    if (req.is('application/json') || req.is('application/x-www-form-urlencoded')) return next();
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return next();
    raw(req, res, (err?: unknown) => {
      if (err) return next(err);
      void (async () => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const contentType = req.get('content-type') ?? '';
        let upload: Upload;
        if (/^multipart\/form-data/i.test(contentType)) {
          const file = multipartFile(body, contentType);
          if (!file) throw new DomainError('VALIDATION_FAILED', 'the form carries no file (send it as the field "file")');
          upload = { data: file.data, kind: kindOf(file.data, file.type, file.filename), filename: file.filename };
        } else {
          upload = { data: body, kind: kindOf(body, contentType, null), filename: null };
        }
        res.locals.upload = upload;
        req.body = opts.transform ? await opts.transform(upload) : {};
      })().then(() => next(), next);
    });
  };
}
