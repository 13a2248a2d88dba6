import { sql, type Kysely } from 'kysely';

/**
 * Builds index `name` (`definition`: what follows the name, e.g. `on orders using gin (…)`) with
 * CREATE INDEX CONCURRENTLY, for an online migration: nothing when a valid index of that name
 * exists, and a build that failed before (PostgreSQL leaves it invalid) dropped and started over.
 */
export async function buildIndexOnline(db: Kysely<any>, name: string, definition: string): Promise<void> {
  const found = await sql<{
    valid: boolean;
  }>`select indisvalid as valid from pg_index where indexrelid = to_regclass(${name})`.execute(db);
  if (found.rows[0]?.valid) return;
  if (found.rows[0]) await sql.raw(`drop index concurrently if exists ${name}`).execute(db);
  await sql.raw(`create index concurrently ${name} ${definition}`).execute(db);
}
