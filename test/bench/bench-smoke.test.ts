// The benchmarks still run and report what the README and CI read: `npm run bench -- --quick --json`,
// `npm run bench:api -- --quick --json` and `npm run bench:xlsx -- --quick --json` each print one JSON
// object whose keys are numbers. No timing is asserted (the machine's load decides those); only that the benchmarks measure something.
import { expect } from 'chai';
import { spawn } from 'node:child_process';

function runJson(script: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--quick', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      const lines = out.trim().split('\n');
      // stdout carries the JSON object alone
      if (lines.length !== 1) return reject(new Error(`${script} printed ${lines.length} lines on stdout (exit ${code}):\n${out}\n${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(lines[0]) as Record<string, unknown>);
      } catch (e) {
        reject(new Error(`${script}: not JSON (${(e as Error).message}):\n${out}\n${err.slice(-2000)}`));
      }
    });
  });
}

function expectNumbers(report: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    expect(report, k).to.have.property(k);
    expect(report[k], k).to.be.a('number');
    expect(Number.isFinite(report[k] as number), `${k} = ${String(report[k])}`).to.equal(true);
  }
}

describe('benchmarks in quick mode (smoke: keys, not timings)', function () {
  this.timeout(240_000);

  it('npm run bench -- --quick --json reports the engine figures', async () => {
    const r = await runJson('bench/engine.bench.ts');
    expectNumbers(r, ['durableTransitionsPerSec', 'floorPerSec', 'floorRatio', 'p99MsAt2000PerSec', 'intakeP99MsBusyCompound', 'intakeLoopMaxBlockMs', 'eventCostRatio100vs1']);
    expect(r.durableTransitionsPerSec as number).to.be.greaterThan(0);
    expect(r.floorPerSec as number).to.be.greaterThan(0);
    // intakes on the busy compound found earlier cases to link (the district's recurrences are real)
    expect(r.intakeRelatedCases as number).to.be.greaterThan(0);
  });

  it('npm run bench:api -- --quick --json reports the API figures', async () => {
    const r = await runJson('bench/api.bench.ts');
    expectNumbers(r, ['eventsPerSec', 'bareExpressPerSec', 'ratioToBare', 'serverCpuUsPerEvent', 'serverCpuUsPerBareRequest', 'cpuRatioToBare', 'p99MsAt1000PerSec', 'p99MsAt1500PerSec']);
    expect(r.eventsPerSec as number).to.be.greaterThan(0);
    expect(r.bareExpressPerSec as number).to.be.greaterThan(0);
    // the serving process's CPU was measured over each run
    expect(r.serverCpuUsPerEvent as number).to.be.greaterThan(0);
    expect(r.serverCpuUsPerBareRequest as number).to.be.greaterThan(0);
  });

  it('npm run bench:middleware -- --quick --json reports what joi and helmet cost per request', async () => {
    const r = await runJson('bench/middleware.bench.ts');
    expectNumbers(r, ['joiEventUs', 'joiIntakeUs', 'helmetUs', 'joiEventShare', 'helmetShare']);
    expect(r.joiEventUs as number).to.be.greaterThan(0);
    // the product's helmet configuration set its headers on the response (CSP, frame options, …)
    expect(r.helmetHeaders as number).to.be.at.least(8);
  });

  it('npm run bench:xlsx -- --quick --json reports the XLSX ledger figures', async () => {
    const r = await runJson('bench/xlsx.bench.ts');
    expectNumbers(r, ['peakRssRatio', 'retainedRssRatio', 'retainedHeapRatio']);
    expect(r.rowsWritten, 'every line written at each size').to.deep.equal(r.lines);
    expect((r.firstByteMs as number[]).every((ms) => ms > 0)).to.equal(true);
  });
});
