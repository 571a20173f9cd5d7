// The run-time settings have one owner (server/settings.ts): one schema per setting, whichever
// endpoint changes it; saved, reloaded, and put in force through its listeners.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ValidationFailed } from '../../server/engine/errors.ts';
import { DEFAULT_RECURRENCE_DAYS, Settings } from '../../server/settings.ts';
import { createSqliteStore } from '../../server/store/sqlite/index.ts';
import type { Store } from '../../server/store/port.ts';

describe('run-time settings (server/settings.ts)', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'wuye-settings-'));
    store = createSqliteStore({ file: path.join(dir, 'm.db') });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from the defaults on an empty store', async () => {
    const s = await Settings.load(store);
    expect(s.recurrenceDays).to.equal(DEFAULT_RECURRENCE_DAYS);
    expect(s.satisfiedAtLeast).to.equal(4);
    expect(s.deadlines.limits.mediation).to.include({ unit: 'months', amount: 1 });
  });

  it('validates the recurrence window by one rule (1..3650), saves it and reloads it', async () => {
    const s = await Settings.load(store);
    for (const bad of [0, -1, 3651, 1.5]) {
      let err: unknown;
      await s.change({ recurrenceDays: bad }).catch((e: unknown) => (err = e));
      expect(err, String(bad)).to.be.instanceOf(ValidationFailed);
    }
    expect(s.recurrenceDays).to.equal(DEFAULT_RECURRENCE_DAYS); // a refused change changes nothing
    await s.change({ recurrenceDays: 180 });
    expect((await Settings.load(store)).recurrenceDays).to.equal(180);
  });

  it('merges a partial change into the current value and validates the result whole', async () => {
    const s = await Settings.load(store);
    await s.change({ companyRules: { red: { nonPerformance: 1 } } });
    expect(s.companyRules.red).to.deep.equal({ nonPerformance: 1 });
    expect(s.companyRules.orange).to.deep.include({ disputes: 10 }); // untouched
    let err: unknown;
    await s.change({ deadlines: { fractions: { blue: 0.9, yellow: 0.5, orange: 0.8 } } }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(ValidationFailed);
  });

  it('tells its listeners after saving, and rebuilds the calendar when a year is added', async () => {
    const s = await Settings.load(store);
    const seen: Array<{ days: number; calendarChanged: boolean }> = [];
    s.onChange((next, change) => void seen.push({ days: next.recurrenceDays, calendarChanged: change.calendarChanged }));
    await s.change({ recurrenceDays: 90 });
    expect(s.calendar().coveredYears()).to.not.include(2099);
    await s.setCalendarYear({ year: 2099, holidays: ['2099-01-01'], workdays: [] });
    expect(s.calendar().coveredYears()).to.include(2099);
    expect(seen).to.deep.equal([
      { days: 90, calendarChanged: false },
      { days: 90, calendarChanged: true },
    ]);
    expect((await Settings.load(store)).calendarYears.map((y) => y.year)).to.deep.equal([2099]);
  });

  it('refuses a calendar year whose dates are not real days of that year', async () => {
    const s = await Settings.load(store);
    let err: unknown;
    await s.setCalendarYear({ year: 2099, holidays: ['2099-02-30'], workdays: [] }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(ValidationFailed);
    expect(s.calendarYears).to.deep.equal([]);
  });
});
