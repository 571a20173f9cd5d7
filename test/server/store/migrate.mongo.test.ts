// `npm run migrate -- --to mongo` and the JSON-lines export/import round trip against a real
// MongoDB wire-protocol server (issue 18), run by `npm run test:mongo` (FerretDB in CI): an embedded
// store with some life in it is migrated, verified by the script itself (counts, checksums, chains),
// exported back from MongoDB and restored into a second database — the export of every copy is the
// same as the embedded store's. Without TEST_MONGODB_URI it is pending, and says so.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDbName } from '../../../server/store/mongo/index.ts';
import { makeHarness } from '../../support/harness.ts';
import { acceptData, PARTICULARS } from '../../support/workflow.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const base = process.env.TEST_MONGODB_URI;

/** The records of an export, without its header line (which names the source store and the time). */
const records = (file: string) => readFileSync(file, 'utf8').split('\n').slice(1).join('\n');

describe('npm run migrate, export and import on a MongoDB server', function () {
  this.timeout(300_000);
  let dir: string;

  before(async function () {
    if (!base) {
      console.log('      SKIPPED: TEST_MONGODB_URI is not set (npm run test:mongo sets it)');
      this.skip();
    }
    dir = mkdtempSync(path.join(tmpdir(), 'migrate-mongo-'));
    mkdirSync(path.join(dir, 'source'));
    const h = await makeHarness({ file: path.join(dir, 'source', 'mediation.db') });
    const med = h.actor('med.c1');
    for (let i = 0; i < 12; i++) {
      const { record } = await h.intake({ summary: `第${i}号 楼上漏水` });
      if (i % 3 === 0) continue; // left awaiting acceptance, its deadline pending
      await h.engine.dispatch(record.id, { type: 'ACCEPT', data: acceptData() }, med);
      if (i % 3 === 1) continue;
      await h.engine.dispatch(record.id, { type: 'REACH_AGREEMENT', data: { terms: ['三日内修复'], performBy: '2026-12-10', ...PARTICULARS } }, med);
      await h.engine.dispatch(record.id, { type: 'SIGN_AGREEMENT', data: { signedBy: ['张三', '李四'] } }, med);
    }
    h.clock.set('2026-11-27T12:00:00+08:00');
    expect(await h.scheduler.runDue()).to.be.greaterThan(0); // fired warnings travel too
    await h.close();
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = (script: string, args: string[]) => {
    const env = { ...process.env, NODE_ENV: 'test', MONGODB_URI: '', LOG_LEVEL: 'silent' };
    return spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', script), ...args], { cwd: root, env, encoding: 'utf8' });
  };

  it('migrates the embedded store and verifies counts, checksums and chains on the server; exports and imports round trip', () => {
    const migrated = scratchDbName('migrate');
    const restored = scratchDbName('restored');
    const from = path.join(dir, 'source');

    const m = run('migrate.ts', ['--to', 'mongo', '--from-dir', from, '--uri', base!, '--db', migrated]);
    expect(m.status, `${m.stdout}\n${m.stderr}`).to.equal(0);
    expect(m.stdout).to.match(/migrate: verified/);
    expect(m.stdout).to.match(/hash chains in MongoDB: 12 cases, \d+ events, 0 broken/);
    // the counts the script compared, for the log
    for (const line of m.stdout.split('\n').filter((l) => /[=≠]/.test(l))) console.log(`      ${line.trim()}`);

    const embedded = path.join(dir, 'embedded.jsonl');
    const fromMongo = path.join(dir, 'mongo.jsonl');
    const e1 = run('export.ts', ['--out', embedded, '--from', 'sqlite', '--data-dir', from]);
    expect(e1.status, e1.stderr).to.equal(0);
    const e2 = run('export.ts', ['--out', fromMongo, '--from', 'mongo', '--uri', base!, '--db', migrated]);
    expect(e2.status, e2.stderr).to.equal(0);
    expect(records(fromMongo)).to.equal(records(embedded));

    const i = run('import.ts', ['--in', fromMongo, '--to', 'mongo', '--uri', base!, '--db', restored]);
    expect(i.status, `${i.stdout}\n${i.stderr}`).to.equal(0);
    expect(i.stdout).to.match(/import: verified/);
    const again = path.join(dir, 'restored.jsonl');
    const e3 = run('export.ts', ['--out', again, '--from', 'mongo', '--uri', base!, '--db', restored]);
    expect(e3.status, e3.stderr).to.equal(0);
    expect(records(again)).to.equal(records(embedded));

    // a second migration into a database that already holds data is refused, and changes nothing
    const twice = run('migrate.ts', ['--to', 'mongo', '--from-dir', from, '--uri', base!, '--db', migrated]);
    expect(twice.status).to.equal(1);
    expect(twice.stderr).to.match(/not empty/);
  });
});
