/** A clock tests move by hand: expiry, code validity and inactivity take no real time. */
export interface TestClock {
  now(): Date;
  advance(seconds: number): void;
}

export function createClock(start = Date.now()): TestClock {
  let offset = start - Date.now();
  return {
    // It keeps running with the wall clock (oidc-provider's own timestamps stay consistent), shifted by `advance`.
    now: () => new Date(Date.now() + offset),
    advance(seconds) {
      offset += seconds * 1000;
    },
  };
}
