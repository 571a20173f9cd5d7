// The engine's only source of time. Production uses the system clock; tests and TEST_CLOCK=1 use a
// manual clock that moves only when told to (no test ever sleeps to wait for a deadline).

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string = '2026-11-23T09:00:00+08:00') {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): Date {
    this.ms += ms;
    return this.now();
  }
  set(to: Date | string): Date {
    this.ms = new Date(to).getTime();
    return this.now();
  }
}

/** ISO-8601 with the +08:00 offset: every time the engine writes is Asia/Shanghai (no DST). */
export function isoShanghai(d: Date): string {
  const local = new Date(d.getTime() + 8 * 3600_000);
  return local.toISOString().replace('Z', '+08:00');
}
