/** What the shutdown needs to say what it does (pino's logger fits). */
export interface ShutdownLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Graceful shutdown of a node (`ordo serve`, `ordo worker`) on SIGTERM or SIGINT: `stop` drains
 * and closes; the process exits 0 when it is done, 1 when it fails, when it takes longer than
 * `timeoutMs`, or at once on a second signal (an operator who means it, or an orchestrator's
 * patience running out first). The timer does not keep an otherwise finished process alive.
 */
export function exitOnSignals(log: ShutdownLog, timeoutMs: number, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, timeoutMs }, 'shutting down');
    setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown did not finish in time: exiting anyway');
      process.exit(1);
    }, timeoutMs).unref();
    stop(signal).then(
      () => {
        log.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
