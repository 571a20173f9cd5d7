// Chinese formatting for issued documents: dates in 年月日 (Asia/Shanghai), amounts in figures and in
// capital numerals (大写), numbered clauses (第一条). Pure functions, no I/O.

/** China has had one fixed offset (UTC+8, no DST) since 1991: no time-zone database needed. */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

interface LocalParts {
  y: number;
  m: number;
  d: number;
  hh: number;
  mm: number;
}

function shanghaiParts(iso: string): LocalParts {
  const dateOnly = DATE_ONLY.exec(iso);
  // A bare date (a performance date such as 2026-12-31) is already a calendar day: never shift it.
  if (dateOnly) return { y: +dateOnly[1], m: +dateOnly[2], d: +dateOnly[3], hh: 0, mm: 0 };
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 date: ${iso}`);
  const t = new Date(ms + SHANGHAI_OFFSET_MS);
  return {
    y: t.getUTCFullYear(),
    m: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    hh: t.getUTCHours(),
    mm: t.getUTCMinutes(),
  };
}

/** The calendar day in Shanghai, as YYYY-MM-DD. */
export function shanghaiDay(iso: string): string {
  const p = shanghaiParts(iso);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** 2026年11月22日 — months and days without a leading zero (GB/T 9704: 不编虚位). */
export function zhDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const p = shanghaiParts(iso);
  return `${p.y}年${p.m}月${p.d}日`;
}

/** 2026年11月22日14时30分 */
export function zhDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  if (DATE_ONLY.test(iso)) return zhDate(iso);
  const p = shanghaiParts(iso);
  return `${p.y}年${p.m}月${p.d}日${p.hh}时${String(p.mm).padStart(2, '0')}分`;
}

/** Adds calendar days to a YYYY-MM-DD day. */
export function addDays(day: string, days: number): string {
  const m = DATE_ONLY.exec(day);
  if (!m) throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
  const t = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + days));
  return t.toISOString().slice(0, 10);
}

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** Ordinary Chinese numerals for counting: 1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五. */
export function zhNumber(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 99_999_999) throw new RangeError(`cannot write ${n} in Chinese numerals`);
  return n === 0 ? '零' : zhCount(n, true);
}

function zhCount(n: number, leading: boolean): string {
  if (n >= 10_000) {
    const high = Math.floor(n / 10_000);
    const low = n % 10_000;
    const lowText = low === 0 ? '' : (low < 1000 ? '零' : '') + zhCount(low, false);
    return `${zhCount(high, leading)}万${lowText}`;
  }
  const units = ['', '十', '百', '千'];
  const digits = String(n).split('').map(Number);
  let out = '';
  let pendingZero = false;
  digits.forEach((digit, i) => {
    const unit = units[digits.length - 1 - i];
    if (digit === 0) {
      pendingZero = out !== '';
      return;
    }
    if (pendingZero) out += '零';
    pendingZero = false;
    // 十一, not 一十一, when the number itself starts at the tens (but 一百一十, 一万零一十)
    out += leading && digit === 1 && unit === '十' && out === '' ? '十' : DIGITS[digit] + unit;
  });
  return out;
}

/** 第一条, 第十二条 */
export function clauseNo(n: number): string {
  return `第${zhNumber(n)}条`;
}

const CAPITAL = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const CAPITAL_UNITS = ['', '拾', '佰', '仟'];
const CAPITAL_GROUPS = ['', '万', '亿', '万亿'];

/** Parses 12345.6, "12,345.60", "¥12,345.60" into whole fen (分), refusing anything else. */
export function toFen(amount: number | string): number {
  const n = typeof amount === 'number' ? amount : Number(String(amount).replace(/[¥￥,，\s]/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`not an amount: ${amount}`);
  const fen = Math.round(Number((n * 100).toPrecision(15)));
  if (!Number.isSafeInteger(fen) || fen >= 1e16) throw new RangeError(`amount too large: ${amount}`);
  return fen;
}

/** One group of four digits (0 < g < 10000); a leading zero inside the number is written by the caller. */
function capitalGroup(g: number): string {
  const digits = String(g).padStart(4, '0').split('').map(Number);
  let out = '';
  let zero = false;
  digits.forEach((digit, i) => {
    if (digit === 0) {
      zero = out !== '';
      return;
    }
    if (zero) out += '零';
    zero = false;
    out += CAPITAL[digit] + CAPITAL_UNITS[3 - i];
  });
  return out;
}

/**
 * Amount in capital numerals, following 中国人民银行《支付结算办法》附件《正确填写票据和结算凭证的基本规定》:
 * - 拾 always has its digit before it (壹拾元整, not 拾元整);
 * - one 零 stands for a run of zeros inside the number (壹仟零壹万零壹元);
 * - 角 is 0 but 分 is not: 零 after 元 (壹佰元零伍分);
 * - 整 after 元 or 角, never after 分.
 * 12345.6 → 人民币壹万贰仟叁佰肆拾伍元陆角整
 */
export function capitalAmount(amount: number | string, prefix = '人民币'): string {
  const fen = toFen(amount);
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const fenDigit = fen % 10;

  let integer = '';
  if (yuan > 0) {
    const groups: number[] = [];
    for (let rest = yuan; rest > 0; rest = Math.floor(rest / 10_000)) groups.push(rest % 10_000);
    let zeroPending = false;
    for (let i = groups.length - 1; i >= 0; i--) {
      const g = groups[i];
      if (g === 0) {
        zeroPending = integer !== '';
        continue;
      }
      // a gap before this group (a whole zero group, or this group has fewer than four digits)
      if (integer !== '' && (zeroPending || g < 1000)) integer += '零';
      zeroPending = false;
      integer += capitalGroup(g) + CAPITAL_GROUPS[i];
    }
  }

  let out = prefix;
  if (yuan > 0) out += `${integer}元`;
  if (jiao === 0 && fenDigit === 0) return `${out}${yuan > 0 ? '' : '零元'}整`;
  if (jiao > 0) out += `${CAPITAL[jiao]}角`;
  else if (yuan > 0) out += '零';
  if (fenDigit > 0) return `${out}${CAPITAL[fenDigit]}分`;
  return `${out}整`;
}

/** ¥12,345.60 */
export function figureAmount(amount: number | string): string {
  const fen = toFen(amount);
  const yuan = Math.floor(fen / 100);
  const cents = String(fen % 100).padStart(2, '0');
  return `¥${yuan.toLocaleString('en-US')}.${cents}`;
}

/** 人民币12,000元, 人民币12,345.60元: yuan with thousands separators, 角分 only when there are any. */
export function yuanAmount(amount: number | string): string {
  const fen = toFen(amount);
  const yuan = Math.floor(fen / 100).toLocaleString('en-US');
  const cents = fen % 100;
  return `人民币${yuan}${cents ? `.${String(cents).padStart(2, '0')}` : ''}元`;
}

/** A labelled amount as customary in Chinese legal documents: 人民币12,345.60元（大写：人民币壹万…整）. */
export interface AmountView {
  figures: string; // ¥12,345.60
  capital: string; // 人民币壹万贰仟叁佰肆拾伍元陆角整
  /** 人民币12,000元（大写：人民币壹万贰仟元整） */
  text: string;
}

export function amountView(amount: number | string | null | undefined): AmountView | null {
  if (amount === null || amount === undefined || amount === '') return null;
  try {
    const capital = capitalAmount(amount);
    return { figures: figureAmount(amount), capital, text: `${yuanAmount(amount)}（大写：${capital}）` };
  } catch {
    return null;
  }
}

/**
 * The one amount a clause names, when it names exactly one (e.g. "支付维修费3,200元"). Used only to
 * print the capital form beside the clause; the clause text itself is printed as typed.
 */
export function amountInText(text: string): number | null {
  const found = [...text.matchAll(/(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*元/g)];
  if (found.length !== 1) return null;
  const m = found[0];
  const n = Number(`${m[1].replace(/,/g, '')}${m[2] ? `.${m[2]}` : ''}`);
  return Number.isFinite(n) && n > 0 ? n : null;
}
