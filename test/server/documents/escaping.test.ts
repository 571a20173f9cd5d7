import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDocument } from '../../../server/documents/issue.ts';
import { DEFAULT_TEMPLATE_DIR, DOCUMENT_KINDS, type DocumentKind } from '../../../server/documents/templates.ts';
import { declined, fullCase, hostile, issueInput, mediatingCase, referred, terminated, type Fixture } from './fixture.ts';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '{{constructor.constructor "alert(1)"}}',
  '</style><script>alert(1)</script>',
];

function hostileFixture(kind: DocumentKind, payload: string): Fixture {
  let f: Fixture;
  if (kind === 'non_acceptance_notice') f = declined(mediatingCase(), payload);
  else if (kind === 'termination_notice') f = terminated(mediatingCase(), payload);
  else if (kind === 'court_referral') f = referred(mediatingCase(), payload);
  else f = fullCase();
  if (kind === 'confirmation_application') f.now = '2026-11-25T10:00:00+08:00';
  return hostile(f, payload);
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? templateFiles(join(dir, e.name)) : e.name.endsWith('.hbs') ? [join(dir, e.name)] : [],
  );
}

describe('documents: escaping what people typed', () => {
  it('no template uses an unescaped expression ({{{ }}} or {{& }})', () => {
    const files = templateFiles(DEFAULT_TEMPLATE_DIR);
    expect(files.length).to.be.greaterThan(DOCUMENT_KINDS.length);
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.to.include('{{{');
      expect(source, file).not.to.match(/\{\{~?\s*&/);
    }
  });

  for (const kind of DOCUMENT_KINDS) {
    it(`escapes hostile names, summary, clauses, reasons and notes in ${kind}`, () => {
      for (const payload of PAYLOADS) {
        const { html } = prepareDocument(issueInput(hostileFixture(kind, payload), kind), kind, 1);
        const body = html.slice(html.indexOf('</style>') + '</style>'.length);
        expect(html).not.to.include('<script');
        expect(html).not.to.include('<img');
        expect(html).not.to.include("' onmouseover='");
        expect(html).not.to.include('alert(1)">');
        // the one </style> is the stylesheet's own
        expect(html.match(/<\/style>/g)).to.have.length(1);
        if (payload.startsWith('<script>')) {
          expect(body).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
        }
        if (payload.startsWith('{{')) {
          // text is never evaluated as a template: it comes out as typed (escaped)
          expect(body).to.include('{{constructor.constructor &quot;alert(1)&quot;}}');
        }
      }
    });
  }

  it('keeps hostile text as typed in the court package (JSON data, not HTML)', () => {
    const payload = '<script>alert(1)</script>';
    const f = hostileFixture('confirmation_application', payload);
    const doc = prepareDocument(issueInput(f, 'confirmation_application'), 'confirmation_application', 1);
    const pkg = doc.data as { parties: Array<{ name: string }>; agreement: { clauses: Array<{ text: string }> } };
    expect(pkg.parties[0].name).to.equal(`${payload}p1`);
    expect(pkg.agreement.clauses[0].text).to.equal(`${payload}条款1`);
  });
});
