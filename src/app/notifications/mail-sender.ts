/** One e-mail as the sender transmits it. */
export interface OutgoingMail {
  /** The notification id: the Message-ID's local part, so receivers can de-duplicate a resend. */
  notificationId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  language: string;
  /** Files sent with the message (an invoice PDF). */
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

/** A permanent refusal (SMTP 5xx): retrying cannot help, so the notification is marked failed for good. */
export class PermanentMailError extends Error {}

/**
 * Where e-mail goes out (SMTP in production and tests). `send` resolves once the server has
 * accepted the message, with its response line; it throws PermanentMailError for a permanent
 * refusal and any other error for a temporary one (retried by the outbox).
 */
export interface MailSender {
  send(mail: OutgoingMail): Promise<{ response: string; messageId: string }>;
  close(): void;
}
