import { sql, type Kysely } from 'kysely';

/**
 * A user's own time zone (issue 18: "in the user's language and time zone"): the IANA name the
 * console shows their times and calendar days in. Null (every existing user) means the browser's
 * zone, as before. Set by the user (PATCH /me) or an admin (PATCH /users/{id}, `ordo users`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column if not exists time_zone text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column if exists time_zone`.execute(db);
}
