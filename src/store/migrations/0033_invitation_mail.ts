import { sql, type Kysely } from 'kysely';

/**
 * Invitations e-mailed (issue 18, docs/users.md): a notification that belongs to no order (the
 * invitation of a new user), and the one-time code of its link kept apart from the stored message.
 * - notifications.order_id may be null (the foreign key still holds when it is set).
 * - notifications.secret: the invitation code, put into the message only when it is sent and set
 *   back to null once the SMTP server has it (or when it is refused for good); the stored body
 *   has a placeholder, so the notification log never shows a usable link.
 * - notifications.user_id: the invited user, so a list of one person's messages finds it.
 */
const statements = [
  `alter table notifications alter column order_id drop not null`,
  `alter table notifications add column secret text`,
  `alter table notifications add column user_id uuid`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `alter table notifications drop column if exists user_id`,
    `alter table notifications drop column if exists secret`,
    `delete from notifications where order_id is null`,
    `alter table notifications alter column order_id set not null`,
  ])
    await sql.raw(statement).execute(db);
}
