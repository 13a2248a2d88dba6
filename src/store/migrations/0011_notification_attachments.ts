import { sql, type Kysely } from 'kysely';

/**
 * Notifications may carry documents (issue 14: the invoice e-mailed to the customer). What is kept
 * is a reference (`[{kind: 'invoice_pdf', invoiceId}]`): the PDF is rendered when the message is
 * sent, from the stored invoice, so a row stays small and the document is the one on file.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table notifications add column attachments jsonb not null default '[]'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table notifications drop column attachments`.execute(db);
}
