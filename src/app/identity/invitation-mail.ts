import { newId } from '../../shared/ids.js';
import { newSecret } from '../../domain/identity/secrets.js';
import { emitEvent } from '../events/emit-event.js';
import { htmlFromText } from '../notifications/render.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import '../../store/schema-notifications.js';

/**
 * The invitation e-mail (issue 18, docs/users.md): queued in the transaction that creates the
 * user, sent by the outbox's e-mail sink like every notification (retried, never twice). The
 * stored message carries the link with CODE_MARK where the one-time code goes, and no code is
 * kept anywhere: the code the e-mail carries is made only as the message is handed to SMTP
 * (mintInvitationCode, called by deliver-notification.ts), and `notifications.secret` holds its
 * SHA-256 hash, by which acceptInvitation finds the invitee (migration 0035). So the notification
 * log, the outbox event, the server's logs and a copy of the database never hold a usable link.
 */
export const INVITATION_TEMPLATE = 'user_invitation';
export const CODE_MARK = '__invitation_code__';

type Language = 'en' | 'pl' | 'ru';
const TEXTS: Record<Language, { subject: string; text: string }> = {
  en: {
    subject: 'Your invitation to {shop} in Ordo',
    text: `Hello {name},

{inviter} has invited you to work in Ordo for {shop}.

Choose your password here (the link works once, for 7 days):
{link}

Your sign-in e-mail is {email}.

If you did not expect this, ignore this message.`,
  },
  pl: {
    subject: 'Zaproszenie do {shop} w Ordo',
    text: `Dzień dobry, {name}!

{inviter} zaprasza Cię do pracy w Ordo dla {shop}.

Ustaw hasło tutaj (link działa raz, przez 7 dni):
{link}

Logujesz się adresem {email}.

Jeśli się tego nie spodziewasz, zignoruj tę wiadomość.`,
  },
  ru: {
    subject: 'Приглашение в {shop} в Ordo',
    text: `Здравствуйте, {name}!

{inviter} приглашает вас работать в Ordo для {shop}.

Задайте пароль по ссылке (она действует один раз, 7 дней):
{link}

Для входа используйте адрес {email}.

Если вы не ждали этого письма, просто проигнорируйте его.`,
  },
};

/** The language of the invitation: the invitee's as the admin chose it, else the inviter's, else English. */
export function invitationLanguage(...candidates: Array<string | null | undefined>): Language {
  for (const candidate of candidates) {
    const two = candidate?.slice(0, 2).toLowerCase();
    if (two === 'en' || two === 'pl' || two === 'ru') return two;
  }
  return 'en';
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

export interface InvitationMail {
  userId: string;
  email: string;
  name: string;
  language: Language;
  inviter: string;
  /** ORDO_PUBLIC_URL: where the console is reached from outside. */
  publicUrl: string;
  now: Date;
}

/** Queues the invitation e-mail in the caller's unit of work; returns the notification's id. */
export async function queueInvitationMail(tx: Work, mail: InvitationMail): Promise<string> {
  const tenant = await tx.conn.selectFrom('tenants').select('name').where('id', '=', tx.tenantId).executeTakeFirst();
  const words = TEXTS[mail.language];
  const values = {
    shop: tenant?.name ?? 'Ordo',
    name: mail.name,
    inviter: mail.inviter,
    email: mail.email,
    link: `${mail.publicUrl.replace(/\/+$/, '')}/invitation#${CODE_MARK}`,
  };
  const subject = fill(words.subject, values);
  const text = fill(words.text, values);
  const id = newId();
  await tx
    .insertInto('notifications', {
      id,
      order_id: null,
      user_id: mail.userId,
      // the code is made when the e-mail is sent; only its hash is ever stored here
      secret: null,
      template: INVITATION_TEMPLATE,
      language: mail.language,
      recipient: mail.email,
      subject,
      body_text: text,
      body_html: htmlFromText(text, mail.language),
      source: 'built_in',
      attachments: JSON.stringify([]),
      last_response: null,
      claimed_until: null,
      sent_at: null,
      created_at: mail.now,
      updated_at: mail.now,
    })
    .execute();
  await emitEvent(tx, {
    type: 'notification.requested',
    subject: mail.userId,
    time: mail.now,
    payload: {
      notificationId: id,
      orderId: null,
      userId: mail.userId,
      template: INVITATION_TEMPLATE,
      language: mail.language,
      channel: 'email',
      to: 'invitee',
    },
  });
  return id;
}

/**
 * The one-time code an invitation e-mail carries, made as it is sent: its hash replaces the
 * previous attempt's (a code never handed to SMTP opens nothing), and the code itself lives only
 * in the message on its way. Another code, the one the admin was shown (its hash in
 * `users.password_hash`), works too; the first used closes both.
 */
export async function mintInvitationCode(scope: TenantScope, notificationId: string): Promise<string> {
  const code = newSecret('session');
  await scope.updateTable('notifications').set({ secret: code.hash }).where('id', '=', notificationId).execute();
  return code.secret;
}

/** The invitation whose e-mailed code hashes to `hash`, in any tenant (the invitee has no session yet). */
export async function invitationByCodeHash(db: TenantScope['conn'], hash: string) {
  return db
    .selectFrom('notifications')
    .select(['tenant_id', 'user_id'])
    .where('secret', '=', hash)
    .where('template', '=', INVITATION_TEMPLATE)
    .where('user_id', 'is not', null)
    .executeTakeFirst();
}

/** Forgets the e-mailed code of a user's invitations (the invitation is used). */
export async function forgetInvitationCodes(db: TenantScope['conn'], tenantId: string, userId: string) {
  await db
    .updateTable('notifications')
    .set({ secret: null })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('template', '=', INVITATION_TEMPLATE)
    .where('secret', 'is not', null)
    .execute();
}
