// The slip a resident takes home (issue 14): the case number, the access code grouped for reading
// aloud, a link and a QR code that open /track with the case number filled in, and the phone of the
// room that has the case. Shown once — at intake, and again whenever a mediator reissues the code.
// The QR code is drawn on the server as SVG by `qrcode` (a well-kept library; hand-rolling Reed–
// Solomon would be folly) and carries only the link: never the access code, which is the secret.
import type { Request } from 'express';
import QRCode from 'qrcode';
import type { Services } from '../services.ts';
import type { Body, CaseRecord } from '../store/port.ts';
import type { Lang } from './i18n.ts';
import { vocab } from './render.ts';

/** ABCD EFGH: groups of four, read aloud one group at a time (canonicalAccessCode takes spaces). */
export function groupedCode(code: string): string[] {
  return code.match(/.{1,4}/g) ?? [code];
}

/** The /track link with the case number filled in, on PUBLIC_URL. Without it (development and tests
 * only: production refuses to start, server/config.ts) on the request's own host; a Host header is
 * never trusted in production, where anyone could make a slip's QR code point elsewhere. */
export function trackLink(req: Request, caseNo: string, publicUrl: string | null): string {
  const base = publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return `${base}/track?caseNo=${encodeURIComponent(caseNo)}`;
}

/** A QR code of `text` as an SVG data URL (an <img> with an alt text, no script, no inline markup). */
export async function qrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The phone of the body, when the organisation keeps one. */
export function bodyPhone(body: (Body & { phone?: string }) | undefined): string {
  return body && typeof body.phone === 'string' ? body.phone.trim() : '';
}

export async function slipModel(req: Request, services: Services, lang: Lang, record: CaseRecord, accessCode: string) {
  const body = services.directory.body(record.bodyId);
  const link = trackLink(req, record.caseNo, services.config.publicUrl);
  const phone = bodyPhone(body);
  return {
    caseId: record.id,
    caseNo: record.caseNo,
    accessCode,
    accessGroups: groupedCode(accessCode),
    trackUrl: link,
    // shown as read (the case number in its own characters), linked as encoded
    trackText: link.replace(/\?caseNo=.*$/, `?caseNo=${record.caseNo}`),
    qr: await qrDataUrl(link),
    bodyName: body?.name ?? '',
    bodyPhone: phone,
    bodyTel: phone.replace(/[^\d+]/g, ''),
    tierLabel: vocab(lang, 'tier', record.tier),
    registeredAt: record.createdAt,
    categoryLabel: vocab(lang, 'category', record.category),
    compoundName: services.directory.unit(record.compoundId)?.name ?? '',
  };
}
