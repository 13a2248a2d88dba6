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
 * SMTP settings from the environment: ORDO_SMTP_HOST (required to send e-mail at all),
 * ORDO_SMTP_PORT (587; 465 implies secure), ORDO_SMTP_SECURE, ORDO_SMTP_USER, ORDO_SMTP_PASS,
 * ORDO_SMTP_FROM (default "Ordo <no-reply@localhost>"), ORDO_SMTP_TIMEOUT_MS (10000),
 * ORDO_SMTP_ALLOW_UNVERIFIED_TLS (off: the server's certificate must verify).
 * Returns null when no host is set: notifications are then queued but not sent.
 */
export function smtpConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpConfig | null {
  const host = env.ORDO_SMTP_HOST?.trim();
  if (!host) return null;
  const port = /^\d+$/.test(env.ORDO_SMTP_PORT ?? '') ? Number(env.ORDO_SMTP_PORT) : 587;
  const secure = env.ORDO_SMTP_SECURE ? /^(1|true|on|yes)$/i.test(env.ORDO_SMTP_SECURE) : port === 465;
  return {
    host, port, secure,
    user: env.ORDO_SMTP_USER || undefined,
    pass: env.ORDO_SMTP_PASS || undefined,
    from: env.ORDO_SMTP_FROM || 'Ordo <no-reply@localhost>',
    timeoutMs: /^\d+$/.test(env.ORDO_SMTP_TIMEOUT_MS ?? '') ? Number(env.ORDO_SMTP_TIMEOUT_MS) : 10_000,
    allowUnverifiedTls: /^(1|true|on|yes)$/i.test(env.ORDO_SMTP_ALLOW_UNVERIFIED_TLS ?? ''),
  };
}
