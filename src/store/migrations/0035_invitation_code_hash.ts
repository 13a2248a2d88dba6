import { sql, type Kysely } from 'kysely';

/**
 * No invitation code at rest (issue 18, docs/users.md). Migration 0033 kept the one-time code of an
 * invitation's link in `notifications.secret` until the e-mail was sent. Now the code an e-mail
 * carries is made only as the message is handed to the SMTP server, and `notifications.secret`
 * holds its SHA-256 hash (as `users.password_hash` holds the hash of the code the admin was shown):
 * a database copy holds no usable link.
 * - The codes waiting in queued invitations are wiped: their e-mails get a fresh code when sent.
 * - An index finds the invitation by the hash when the invitee uses the link (any tenant: the
 *   person has no session yet).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update notifications set secret = null where template = 'user_invitation' and secret is not null`.execute(
    db,
  );
  await sql`create index if not exists notifications_invitation_code on notifications (secret) where secret is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists notifications_invitation_code`.execute(db);
  // hashes are no codes: an e-mail still queued after the way back is sent without a usable link
  await sql`update notifications set secret = null where template = 'user_invitation'`.execute(db);
}
