import type { Clock } from '../../shared/clock.js';
import type { Db } from '../../store/db.js';
import { fireDueTimers } from './fire-due-timers.js';

export interface TimerLoopLogger { error(obj: object, msg: string): void }

/**
 * Fires due process timers every `everyMs` in this process (serve on one node). Safe beside
 * other nodes and the events worker: timers are claimed with SKIP LOCKED. Returns a stop function.
 */
export function startProcessTimerLoop(db: Db, clock: Clock, log: TimerLoopLogger, everyMs = 1_000): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = fireDueTimers(db, clock.now())
      .catch((e: unknown) => log.error({ err: e }, 'process timers failed'))
      .finally(() => { running = null; });
  };
  const handle = setInterval(tick, everyMs);
  handle.unref();
  return async () => { clearInterval(handle); await running; };
}
