import { sql, type Kysely } from 'kysely';

/**
 * `ordo_refuse(message)`: fails the statement that calls it with `message` (SQLSTATE P0001). For
 * a check a statement makes of its own writes when the statement is sent ahead (the caller goes on
 * without its answer, UnitOfWork.sendAhead): a refusal in the database aborts the transaction, so
 * nothing after it commits, where a check of the answer in the application would come too late.
 * First use: a reservation over pre-locked stock rows whose guarded update did not take every row
 * (app/inventory/reserve-sql.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create or replace function ordo_refuse(message text) returns int language plpgsql as $$
    begin raise exception '%', message; end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists ordo_refuse(text)`.execute(db);
}
