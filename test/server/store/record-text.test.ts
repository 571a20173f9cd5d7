// The anchor log's record digest (server/integrity/anchor-log.ts) hashes the text the SQLite store has
// just written instead of stringifying the record again (issue 17). It must be the digest `npm run
// verify` computes from the record read back, or every case would read as tampered.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordDigest } from '../../../server/integrity/anchor-log.ts';
import { rememberText, writtenText } from '../../../server/store/record-text.ts';
import type { CaseRecord } from '../../../server/store/port.ts';
import { makeHarness, type Harness } from '../../support/harness.ts';
import { acceptData } from '../../support/workflow.ts';

describe('the record digest from the text the store wrote', () => {
  let h: Harness;
  const dir = mkdtempSync(path.join(tmpdir(), 'record-text-'));
  before(async () => {
    // a file of its own: always the SQLite adapter, whose commits remember their text (MongoDB has no anchor log)
    h = await makeHarness({ file: path.join(dir, 'mediation.db') });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the digest of the record read back, and of the row’s document, after an intake and an event', async () => {
    const { record: registered } = await h.intake();
    const accepted = await h.engine.dispatch(registered.id, { type: 'ACCEPT', data: acceptData(registered.snapshot.context.parties) }, h.actor('med.c1'));
    for (const committed of [registered, accepted]) {
      expect(writtenText(committed), 'the store remembered what it wrote').to.be.a('string');
      const readBack = JSON.parse(JSON.stringify(committed)) as CaseRecord; // a different object: digested from scratch
      expect(writtenText(readBack)).to.equal(undefined);
      expect(recordDigest(committed)).to.equal(recordDigest(readBack));
    }
    const db = new Database(h.file, { readonly: true });
    const doc = db.prepare('SELECT doc FROM cases WHERE id = ?').pluck().get(accepted.id) as string;
    db.close();
    expect(recordDigest(accepted)).to.equal(createHash('sha256').update(doc).digest('hex'));
  });

  it('ignores the remembered text for a record that carries a projection (digested without it)', () => {
    const record = { id: 'c1', version: 1, oversight: { v: 1 } } as unknown as CaseRecord;
    rememberText(record, JSON.stringify(record));
    expect(recordDigest(record)).to.equal(createHash('sha256').update(JSON.stringify({ id: 'c1', version: 1 })).digest('hex'));
  });
});
