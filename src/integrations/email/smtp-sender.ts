import { domainToASCII } from 'node:url';
import nodemailer from 'nodemailer';
import { PermanentMailError, type MailSender, type OutgoingMail } from '../../app/notifications/mail-sender.js';
import type { SmtpConfig } from './smtp-config.js';

/** The domain of the From address, for Message-IDs (<notification id>@domain). */
function fromDomain(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

/**
 * An address at an internationalised domain (`anna@почта.рф`) in the ASCII form every mail server
 * takes without SMTPUTF8 (`anna@xn--80a1acny.xn--p1ai`); other addresses unchanged.
 */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0 || /^[\x00-\x7f]*$/.test(address)) return address;
  const domain = domainToASCII(address.slice(at + 1));
  return domain ? `${address.slice(0, at)}@${domain}` : address;
}

/**
 * Sends through SMTP with nodemailer: UTF-8 throughout (Polish and Cyrillic subjects are
 * RFC 2047-encoded, bodies quoted-printable or base64 as nodemailer picks), a multipart/alternative
 * text + HTML body, and the notification id as Message-ID. SMTP 5xx answers are permanent.
 */
export function smtpSender(cfg: SmtpConfig): MailSender {
  const transport = nodemailer.createTransport({
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    ...(cfg.user ? { auth: { user: cfg.user, pass: cfg.pass ?? '' } } : {}),
    connectionTimeout: cfg.timeoutMs,
    greetingTimeout: cfg.timeoutMs,
    socketTimeout: cfg.timeoutMs,
    // A certificate must verify unless the operator allowed a local relay without one.
    tls: { rejectUnauthorized: !cfg.allowUnverifiedTls },
  });
  const domain = fromDomain(cfg.from);
  return {
    async send(outgoingMail: OutgoingMail) {
      const messageId = `<${outgoingMail.notificationId}@${domain}>`;
      try {
        const info = await transport.sendMail({
          from: cfg.from,
          to: asciiAddress(outgoingMail.to),
          subject: outgoingMail.subject,
          text: outgoingMail.text,
          html: outgoingMail.html,
          ...(outgoingMail.attachments?.length ? { attachments: outgoingMail.attachments } : {}),
          messageId,
          headers: {
            'Content-Language': outgoingMail.language,
            'X-Ordo-Notification': outgoingMail.notificationId,
            'Auto-Submitted': 'auto-generated',
          },
        });
        return { response: String(info.response ?? 'accepted'), messageId };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (typeof code === 'number' && code >= 500 && code < 600)
          throw new PermanentMailError(`${code} ${(error as Error).message}`);
        throw error;
      }
    },
    close() {
      transport.close();
    },
  };
}
