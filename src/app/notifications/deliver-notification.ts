import { sql } from 'kysely';
import type { Db } from '../../store/db.js';
import { scope } from '../../store/tenant-scope.js';
import { PermanentMailError, type MailSender } from './mail-sender.js';
import { invoicePdf } from '../money/invoice-documents.js';
import { CODE_MARK, INVITATION_TEMPLATE, mintInvitationCode } from '../identity/invitation-mail.js';
import '../../store/schema-notifications.js';

export type DeliveryOutcome = 'sent' | 'duplicate' | 'rejected' | 'missing';

/** How long a sender holds a notification before another worker may take it over (a crashed sender). */
export const SEND_LEASE_MS = 120_000;

/**
 * Sends one queued notification, outside any business transaction (the outbox worker calls it
 * after commit). A short claim (queued/failed → sending, with a lease) makes a redelivery of the
 * same event find it sent or in flight and not send it again; the one unavoidable duplicate — a
 * crash after the SMTP server accepted and before we recorded it — carries the same Message-ID.
 * A temporary failure is recorded and thrown, so the outbox retries with backoff; a permanent
 * refusal (5xx) is recorded as failed and not retried.
 */
export async function deliverNotification(
  db: Db,
  tenantId: string,
  notificationId: string,
  sender: MailSender,
  now: () => Date = () => new Date(),
): Promise<{ outcome: DeliveryOutcome; response?: string }> {
  const tx = scope(db, tenantId);
  const t0 = now();
  const claimed = await tx
    .updateTable('notifications')
    .set({
      state: 'sending',
      attempts: sql`attempts + 1`,
      claimed_until: new Date(t0.getTime() + SEND_LEASE_MS),
      updated_at: t0,
    })
    .where('id', '=', notificationId)
    .where((eb) =>
      eb.or([
        eb('state', 'in', ['queued', 'failed']),
        eb.and([eb('state', '=', 'sending'), eb('claimed_until', '<', t0)]),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
  if (!claimed) {
    const cur = await tx
      .selectFrom('notifications')
      .select(['state', 'last_response'])
      .where('id', '=', notificationId)
      .executeTakeFirst();
    if (!cur) return { outcome: 'missing' };
    if (cur.state === 'sent') return { outcome: 'duplicate', response: cur.last_response ?? '' };
    if (cur.state === 'sending') throw new Error(`notification ${notificationId} is being sent by another worker`);
    return { outcome: 'rejected', response: cur.last_response ?? '' };
  }
  try {
    const attachments = [];
    for (const attachment of claimed.attachments ?? []) {
      // The invoice as it is on file now (a KSeF number it got since is printed on it).
      const pdf = await invoicePdf(tx, attachment.invoiceId);
      attachments.push({ filename: pdf.fileName, content: pdf.data, contentType: 'application/pdf' });
    }
    // An invitation's code is made only here, on its way to the SMTP server; only its hash is kept.
    const code =
      claimed.template === INVITATION_TEMPLATE && claimed.user_id ? await mintInvitationCode(tx, notificationId) : null;
    const reveal = (body: string) => (code ? body.replaceAll(CODE_MARK, code) : body);
    const result = await sender.send({
      ...(attachments.length ? { attachments } : {}),
      notificationId,
      to: claimed.recipient,
      subject: claimed.subject,
      text: reveal(claimed.body_text),
      html: reveal(claimed.body_html),
      language: claimed.language,
    });
    const at = now();
    await tx
      .updateTable('notifications')
      .set({
        state: 'sent',
        sent_at: at,
        last_response: result.response.slice(0, 1000),
        claimed_until: null,
        updated_at: at,
      })
      .where('id', '=', notificationId)
      .execute();
    return { outcome: 'sent', response: result.response };
  } catch (error) {
    const message = ((error as Error).message || String(error)).slice(0, 1000);
    const at = now();
    await tx
      .updateTable('notifications')
      .set({
        state: 'failed',
        last_response: message,
        claimed_until: null,
        // refused for good: the hash of a code no one received opens nothing; forget it
        ...(error instanceof PermanentMailError ? { secret: null } : {}),
        updated_at: at,
      })
      .where('id', '=', notificationId)
      .execute();
    if (error instanceof PermanentMailError) return { outcome: 'rejected', response: message };
    throw error;
  }
}
