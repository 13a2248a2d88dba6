import type { EventSink } from '../broker/sink.js';
import type { Db } from '../../store/db.js';
import { deliverNotification } from '../../app/notifications/deliver-notification.js';
import type { MailSender } from '../../app/notifications/mail-sender.js';
import { smtpConfigFrom } from './smtp-config.js';
import type { SmtpSettings } from '../../config.js';
import { smtpSender } from './smtp-sender.js';

export const EMAIL_SINK = 'email';

/**
 * The outbox's e-mail sink: for each `notification.requested` event it sends the stored message
 * (other event types are acknowledged at once). A thrown error makes the dispatcher retry with
 * backoff; a redelivery of a sent notification is acknowledged as a duplicate without sending.
 */
export function emailSink(db: Db, sender: MailSender): EventSink {
  return {
    name: EMAIL_SINK,
    eventTypes: ['notification.requested'],
    async publish(event) {
      if (event.type !== 'notification.requested') return { duplicate: false };
      const notification = await deliverNotification(db, event.ordotenant, String(event.data.notificationId), sender);
      return { duplicate: notification.outcome === 'duplicate' };
    },
    async close() {
      sender.close();
    },
  };
}

/** The e-mail sink when SMTP is configured (ORDO_SMTP_HOST, see smtpConfigFrom), else none. */
export function emailSinks(db: Db, smtp: SmtpSettings): EventSink[] {
  const cfg = smtpConfigFrom(smtp);
  return cfg ? [emailSink(db, smtpSender(cfg))] : [];
}
