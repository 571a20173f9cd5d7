// Page templates: views/pages/<name>.hbs wrapped by views/partials/layout.hbs, with the other
// partials of views/partials. Everything is read and precompiled once, at start, into an isolated
// Handlebars instance. Every expression is HTML-escaped ({{x}}); no page template uses {{{x}}} (the
// page tests check the files), so text a person typed is shown as typed and never runs.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import {
  CATEGORY_LABELS,
  CHANNEL_LABELS,
  EVENT_LABELS,
  OUTCOME_LABELS,
  STATUS_LABELS,
  TIER_LABELS,
} from '../../workflows/vocabulary.ts';
import { t, type Lang } from './i18n.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
export const PAGES_DIR = join(here, '../../views/pages');
export const PARTIALS_DIR = join(here, '../../views/partials');

const LABELS: Record<string, Record<string, { zh: string; en: string }>> = {
  status: STATUS_LABELS,
  tier: TIER_LABELS,
  category: CATEGORY_LABELS,
  channel: CHANNEL_LABELS,
  event: EVENT_LABELS,
  outcome: OUTCOME_LABELS,
};

/** A label of the stable vocabulary in the language; the code itself when unknown. */
export function vocab(lang: Lang, kind: string, code: unknown): string {
  const entry = LABELS[kind]?.[String(code)];
  return entry ? entry[lang] : String(code ?? '');
}

const SHANGHAI_MS = 8 * 3_600_000; // China has one offset (UTC+8) and no DST since 1991

function shanghai(iso: unknown): Date | null {
  if (typeof iso !== 'string' || !iso) return null;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T00:00:00+08:00`) : Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms + SHANGHAI_MS);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 2026-11-23 (the Asia/Shanghai calendar day) */
export function shanghaiDay(iso: unknown): string {
  const d = shanghai(iso);
  return d ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` : '';
}

/** 2026-11-23 14:30 (Asia/Shanghai) */
export function shanghaiDateTime(iso: unknown): string {
  const d = shanghai(iso);
  if (!d) return '';
  if (typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iso)) return shanghaiDay(iso);
  return `${shanghaiDay(iso)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** the value of a <input type="datetime-local"> → ISO-8601 with +08:00, or null */
export function fromLocalInput(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(value.trim());
  if (!m) return null;
  const iso = `${m[1]}T${m[2]}${m[3] ?? ':00'}+08:00`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

type Options = Handlebars.HelperOptions;
const rootLang = (options: Options): Lang => ((options.data?.root as { lang?: Lang } | undefined)?.lang === 'en' ? 'en' : 'zh');

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('t', function (key: unknown, options: Options) {
    return t(rootLang(options), String(key), (options.hash ?? {}) as Record<string, unknown>);
  });
  hb.registerHelper('vocab', function (kind: unknown, code: unknown, options: Options) {
    return vocab(rootLang(options), String(kind), code);
  });
  hb.registerHelper('dt', (iso: unknown) => shanghaiDateTime(iso));
  hb.registerHelper('day', (iso: unknown) => shanghaiDay(iso));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper('not', (a: unknown) => !a);
  hb.registerHelper('includes', (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v));
  hb.registerHelper('inc', (n: unknown) => Number(n) + 1);
  hb.registerHelper('pct', (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? `${Math.round(x * 1000) / 10}%` : '—'));
  hb.registerHelper('num', (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? String(Math.round(x * 10) / 10) : '—'));
  /** the field's error message (already in the page's language), or '' */
  hb.registerHelper('err', (errors: unknown, field: unknown) =>
    errors && typeof errors === 'object' ? ((errors as Record<string, string>)[String(field)] ?? '') : '',
  );
  /** the field's submitted value, or '' */
  hb.registerHelper('val', (values: unknown, field: unknown) => {
    if (!values || typeof values !== 'object') return '';
    const v = (values as Record<string, unknown>)[String(field)];
    return v === undefined || v === null ? '' : String(v);
  });
}

const COMPILE: CompileOptions = { knownHelpersOnly: false, preventIndent: true };

function load(hb: typeof Handlebars, source: string): HandlebarsTemplateDelegate {
  const spec = hb.precompile(source, COMPILE);
  // The spec is JavaScript that Handlebars generated from our own template files (what `compile`
  // does internally too); no text a person typed is ever part of it.
  return hb.template(new Function(`return ${String(spec)}`)());
}

export interface PageTemplates {
  render(page: string, context: object): string;
  has(page: string): boolean;
}

/** Reads and precompiles every page and partial now (start-up), never on a request. */
export function loadPageTemplates(pagesDir = PAGES_DIR, partialsDir = PARTIALS_DIR): PageTemplates {
  const hb = Handlebars.create();
  registerHelpers(hb);
  for (const entry of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs')).sort()) {
    hb.registerPartial(basename(entry, '.hbs'), load(hb, readFileSync(join(partialsDir, entry), 'utf8')));
  }
  const pages = new Map<string, HandlebarsTemplateDelegate>();
  for (const entry of readdirSync(pagesDir).filter((f) => f.endsWith('.hbs')).sort()) {
    const name = basename(entry, '.hbs');
    hb.registerPartial(`page-${name}`, load(hb, readFileSync(join(pagesDir, entry), 'utf8')));
    pages.set(name, load(hb, `{{#> layout}}{{> page-${name}}}{{/layout}}`));
  }
  return {
    has: (page) => pages.has(page),
    render(page, context) {
      const template = pages.get(page);
      if (!template) throw new Error(`no page template ${page}`);
      return template(context);
    },
  };
}

let loaded: PageTemplates | null = null;
export function pageTemplates(): PageTemplates {
  loaded ??= loadPageTemplates();
  return loaded;
}
