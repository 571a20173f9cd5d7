// Every domain error code has its HTTP status in the one table (server/engine/errors.ts STATUS_BY_CODE),
// present as soon as that module is loaded — not registered by whichever router happened to load.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { STATUS_BY_CODE } from '../../server/engine/errors.ts';

/** codes that never reach a client: TIMER_GONE is the store telling the scheduler a timer already fired */
const INTERNAL_ONLY = new Set(['TIMER_GONE']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

describe('the error status table', () => {
  it('maps the jurisdiction and export-size refusals to 422 without any router loaded', () => {
    expect(STATUS_BY_CODE.OUT_OF_JURISDICTION).to.equal(422);
    expect(STATUS_BY_CODE.EXPORT_TOO_LARGE).to.equal(422);
  });

  it('has a status for every code a DomainError is raised with in server/', () => {
    const codes = new Set<string>();
    for (const file of sourceFiles('server')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:new DomainError|super)\(\s*'([A-Z][A-Z0-9_]*)'/g)) codes.add(m[1]);
    }
    expect(codes.size).to.be.greaterThan(10); // the scan found the codes, not nothing
    const missing = [...codes].filter((c) => !INTERNAL_ONLY.has(c) && STATUS_BY_CODE[c] === undefined);
    expect(missing).to.deep.equal([]);
  });
});
