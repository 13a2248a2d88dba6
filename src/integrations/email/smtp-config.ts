import type { SmtpSettings } from '../../config.js';

/** Where and as whom Ordo sends e-mail. */
export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string | undefined;
  pass?: string | undefined;
  /** The From address, e.g. "Sklep <sklep@example.pl>". */
  from: string;
  /** Give up on a connection or a silent server after this long (then the outbox retries). */
  timeoutMs: number;
  /** Accept a server certificate that does not verify (a local relay on-premise); off by default. */
  allowUnverifiedTls: boolean;
}

/**
 * The SMTP settings of the configuration (src/config.ts: ORDO_SMTP_HOST, ORDO_SMTP_PORT (587;
 * 465 implies secure), ORDO_SMTP_SECURE, ORDO_SMTP_USER, ORDO_SMTP_PASS, ORDO_SMTP_FROM,
 * ORDO_SMTP_TIMEOUT_MS, ORDO_SMTP_ALLOW_UNVERIFIED_TLS) as what the sender needs.
 * Returns null when no host is set: notifications are then queued but not sent.
 */
export function smtpConfigFrom(smtpSettings: SmtpSettings): SmtpConfig | null {
  if (!smtpSettings.host) return null;
  return {
    host: smtpSettings.host,
    port: smtpSettings.port,
    secure: smtpSettings.secure,
    user: smtpSettings.user,
    pass: smtpSettings.pass,
    from: smtpSettings.from,
    timeoutMs: smtpSettings.timeoutMs,
    allowUnverifiedTls: smtpSettings.allowUnverifiedTls,
  };
}
