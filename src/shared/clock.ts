/** Time is an input: use cases receive a Clock so tests can control it. All times are UTC. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(iso: string): Clock & { advance(ms: number): void; set(iso: string): void } {
  let t = new Date(iso).getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) { t += ms; },
    set(next: string) { t = new Date(next).getTime(); },
  };
}
