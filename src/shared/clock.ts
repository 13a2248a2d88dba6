/** Time is an input: use cases receive a Clock so tests can control it. All times are UTC. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(iso: string): Clock & { advance(ms: number): void; set(iso: string): void } {
  let time = new Date(iso).getTime();
  return {
    now: () => new Date(time),
    advance(ms: number) {
      time += ms;
    },
    set(next: string) {
      time = new Date(next).getTime();
    },
  };
}
