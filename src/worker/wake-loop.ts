/**
 * A loop that runs `step` while it reports progress and otherwise sleeps, unless woken earlier
 * (NOTIFY, a committed in-process write, a finished delivery). An idle loop sleeps `idleMs`,
 * then twice that after each further empty step, up to `maxIdleMs`, so a quiet server costs a
 * statement or two a second rather than tens; any wake or progress brings it back to `idleMs`.
 * A step may answer a number instead of false: no progress, and its next work is due in that
 * many milliseconds (a timer), which caps the sleep. Errors (the database restarting) are
 * reported and retried after a pause; they never end the loop.
 */
export class WakeLoop {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private done: Promise<void> | null = null;
  private idle: number;
  private readonly maxIdleMs: number;

  constructor(
    private readonly step: () => Promise<boolean | number>,
    private readonly idleMs: number,
    private readonly onError: (error: unknown) => void,
    maxIdleMs?: number,
  ) {
    this.idle = idleMs;
    this.maxIdleMs = Math.max(idleMs, maxIdleMs ?? idleMs);
  }

  /** How long the loop sleeps when its next step finds nothing (for tests and metrics). */
  get idleSleepMs(): number {
    return this.idle;
  }

  start(): this {
    this.done = this.run();
    return this;
  }

  wake(): void {
    this.woken = true;
    this.idle = this.idleMs;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done;
  }

  private async run(): Promise<void> {
    let errorPause = 0;
    while (!this.stopped) {
      let answer: boolean | number = false;
      this.woken = false;
      try {
        answer = await this.step();
        errorPause = 0;
      } catch (error) {
        if (this.stopped) break;
        this.onError(error);
        errorPause = Math.min(5_000, (errorPause || 100) * 2);
      }
      if (this.stopped) break;
      if (answer === true && !errorPause) {
        this.idle = this.idleMs;
        continue;
      }
      if (errorPause) {
        await this.sleep(errorPause);
        continue;
      }
      const due = typeof answer === 'number' ? Math.max(0, answer) : Infinity;
      const nap = Math.min(this.idle, due);
      this.idle = Math.min(this.maxIdleMs, this.idle * 2);
      await this.sleep(nap);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const value = setTimeout(finish, ms);
      const self = this;
      function finish() {
        clearTimeout(value);
        self.wakeUp = null;
        resolve();
      }
      this.wakeUp = finish;
    });
  }
}
