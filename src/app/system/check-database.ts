import { sql } from 'kysely';
import type { Db } from '../../store/db.js';

/** Readiness: the database answers a trivial statement (throws when it cannot be reached). */
export async function checkDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
