// Document templates: views/documents/<kind>.hbs is the body of each document, views/documents/partials/
// the shared pieces (layout, party particulars, seal line, dossier index). Everything is read and
// precompiled once, at start, into an isolated Handlebars instance; rendering is then a function call.
//
// Versions: each file starts with `{{!-- version: YYYY.MM-n --}}`; bump it whenever the file changes.
// A document records `<kind>@<version> (set <hash>)`, the hash covering every template file and the
// print stylesheet, so an issued document always names exactly what produced it.
//
// Escaping: every expression is HTML-escaped ({{x}}). No template uses {{{x}}} or {{& x}}; the tests
// check the files. The stylesheet is inlined through a partial, not through an unescaped expression.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Readiness } from './readiness.ts';
import { DOCUMENT_TITLES, type DocumentView } from './view.ts';

export const DOCUMENT_KINDS = [
  'intake_form',
  'non_acceptance_notice',
  'agreement',
  'termination_notice',
  'court_referral',
  'confirmation_application',
  'follow_up_schedule',
  'follow_up_record',
  'dossier',
  // workflow 2026.3 (API.md): 权利义务告知书, 调解笔录, 提交法院审查函, 申请强制执行告知书
  'rights_notice',
  'session_minutes',
  'court_submission',
  'enforcement_advice',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export function isDocumentKind(kind: string): kind is DocumentKind {
  return (DOCUMENT_KINDS as readonly string[]).includes(kind);
}

/** What a template sees: the view model plus the document's own particulars. */
export interface RenderContext extends DocumentView {
  doc: { kind: DocumentKind; title: string; version: number; templateVersion: string; draft: boolean; check: string };
  /** confirmation_application only: the court and the last day (in 年月日); null otherwise */
  readiness: { court: NonNullable<Readiness['court']>; lastDay: string } | null;
}

export interface TemplateFile {
  name: string; // kind, `partials/<name>` or `print.css`
  file: string;
  version: string;
}

export interface TemplateSet {
  /** hash over every template file and the stylesheet (first 12 hex digits of a SHA-256) */
  readonly setHash: string;
  readonly files: readonly TemplateFile[];
  /** `agreement@2026.11-1 (set 3fa2b1c94d0e)` */
  templateVersion(kind: DocumentKind): string;
  render(kind: DocumentKind, context: RenderContext): string;
}

const VERSION_LINE = /^\{\{!--\s*version:\s*([\w.-]+)\s*--\}\}\r?\n/;
const CSS_VERSION_LINE = /^\/\*\s*version:\s*([\w.-]+)\s*\*\//;

const COMPILE_OPTIONS: CompileOptions = {
  // every field a template names must exist in the view model: a typo fails the tests, not a citizen
  strict: true,
  knownHelpersOnly: true, // only the built-ins (if, each, unless, with): nothing to override at runtime
  preventIndent: true, // partial output is not re-indented (pre-wrap text stays as typed)
};

const here = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_TEMPLATE_DIR = join(here, '../../views/documents');
export const DEFAULT_PRINT_CSS = join(here, '../../public/css/print.css');

function parseVersion(file: string, source: string): { version: string; body: string } {
  const m = VERSION_LINE.exec(source);
  if (!m) throw new Error(`${file}: the first line must be {{!-- version: … --}}`);
  return { version: m[1], body: source.slice(m[0].length) };
}

/** Precompiles to a template spec, then loads it: compilation happens here, never at first render. */
function precompile(hb: typeof Handlebars, source: string): HandlebarsTemplateDelegate {
  const spec = hb.precompile(source, COMPILE_OPTIONS);
  // The spec is JavaScript that Handlebars generated from our own template files (what `compile`
  // does internally too); no text a person typed is ever part of it.
  return hb.template(new Function(`return ${String(spec)}`)());
}

export function loadTemplates(dir = DEFAULT_TEMPLATE_DIR, cssFile = DEFAULT_PRINT_CSS): TemplateSet {
  const hb = Handlebars.create();
  const files: TemplateFile[] = [];
  const setHash = createHash('sha256');

  const css = readFileSync(cssFile, 'utf8');
  const cssVersion = CSS_VERSION_LINE.exec(css);
  if (!cssVersion) throw new Error(`${cssFile}: the first line must be /* version: … */`);
  if (css.includes('{{')) throw new Error(`${cssFile}: may not contain {{`);
  files.push({ name: 'print.css', file: cssFile, version: cssVersion[1] });
  setHash.update(`print.css\0${css}\0`);
  // The stylesheet is a partial of plain text: inlined as is, no expression involved.
  hb.registerPartial('print-css', precompile(hb, css));

  const partialDir = join(dir, 'partials');
  for (const entry of readdirSync(partialDir).filter((f) => f.endsWith('.hbs')).sort()) {
    const file = join(partialDir, entry);
    const source = readFileSync(file, 'utf8');
    const { version, body } = parseVersion(file, source);
    const name = basename(entry, '.hbs');
    files.push({ name: `partials/${name}`, file, version });
    setHash.update(`partials/${name}\0${source}\0`);
    hb.registerPartial(name, precompile(hb, body));
  }

  const renderers = new Map<DocumentKind, HandlebarsTemplateDelegate>();
  const versions = new Map<DocumentKind, string>();
  for (const kind of DOCUMENT_KINDS) {
    const file = join(dir, `${kind}.hbs`);
    const source = readFileSync(file, 'utf8');
    const { version, body } = parseVersion(file, source);
    files.push({ name: kind, file, version });
    versions.set(kind, version);
    setHash.update(`${kind}\0${source}\0`);
    // registered as a partial too, so that the dossier can include every other document's body
    hb.registerPartial(kind, precompile(hb, body));
    renderers.set(kind, precompile(hb, `{{#> layout}}{{> ${kind}}}{{/layout}}`));
  }

  const hash = setHash.digest('hex').slice(0, 12);
  return {
    setHash: hash,
    files,
    templateVersion: (kind) => `${kind}@${versions.get(kind)} (set ${hash})`,
    render(kind, context) {
      const render = renderers.get(kind);
      if (!render) throw new Error(`no template for document kind ${kind}`);
      return render(context);
    },
  };
}

let loaded: TemplateSet | null = null;

/** The application's templates, loaded on first use and kept for the life of the process. */
export function templates(): TemplateSet {
  loaded ??= loadTemplates();
  return loaded;
}

/** Builds the context and renders: a pure function of the view (no clock, no I/O). */
export function renderDocument(
  set: TemplateSet,
  kind: DocumentKind,
  view: DocumentView,
  opts: { version: number; draft?: boolean; readiness?: RenderContext['readiness']; check?: string },
): string {
  const context: RenderContext = {
    ...view,
    doc: {
      kind,
      title: DOCUMENT_TITLES[kind],
      version: opts.version,
      templateVersion: set.templateVersion(kind),
      draft: opts.draft ?? false,
      check: opts.check ?? '',
    },
    readiness: opts.readiness ?? null,
  };
  return set.render(kind, context);
}
