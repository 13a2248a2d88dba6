/**
 * A loop that runs `step` while it reports progress and otherwise sleeps `idleMs`, unless woken
 * earlier (NOTIFY, an in-process emit, a finished delivery). Errors (the database restarting)
 * are reported and retried after a pause; they never end the loop.
 */
export class WakeLoop {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private done: Promise<void> | null = null;

  constructor(
    private readonly step: () => Promise<boolean>,
    private readonly idleMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): this {
    this.done = this.run();
    return this;
  }

  wake(): void {
    this.woken = true;
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
      let progressed = false;
      this.woken = false;
      try {
        progressed = await this.step();
        errorPause = 0;
      } catch (error) {
        if (this.stopped) break;
        this.onError(error);
        errorPause = Math.min(5_000, (errorPause || 100) * 2);
      }
      if (this.stopped) break;
      if (!progressed || errorPause) await this.sleep(errorPause || this.idleMs);
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
