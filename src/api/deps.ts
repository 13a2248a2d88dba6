import type { Db } from '../store/db.js';
import type { Clock } from '../shared/clock.js';

/** What routes need, passed explicitly: no globals. */
export interface Deps {
  db: Db;
  dbKind: 'postgres' | 'pglite';
  clock: Clock;
  /** Set once the server may take traffic (migrations done). */
  ready: () => Promise<boolean>;
}
