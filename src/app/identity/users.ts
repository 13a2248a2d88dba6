import { z } from 'zod';
import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { ROLES } from '../../domain/identity/roles.js';
import { hashPassword, hashSecret, newSecret } from '../../domain/identity/secrets.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import {
  forgetInvitationCodes,
  invitationByCodeHash,
  invitationLanguage,
  queueInvitationMail,
} from './invitation-mail.js';
import { code, locale, name, emailAddress } from '../schemas.js';
import { forgetCachedKeys } from './authenticate.js';
import { knownZone } from '../reports/kpis.js';
import { ianaZone } from '../../shared/time-zones.js';
import { publishedRoleWords } from '../process/process-words.js';
import '../../store/schema-companies.js';

/**
 * Console users (issue 17, item 5; docs/users.md): created by an admin with permission roles
 * (what they may do, roles.ts) and business roles (which process tasks are theirs: finance,
 * sales_lead, …), with an initial password or an invitation (a one-time token the person uses to
 * set a password, valid 7 days). Users are deactivated, never deleted: history names them.
 */
/** A user's own time zone: an IANA name (checked against both clocks), or null for the browser's. */
export const timeZoneField = z
  .string()
  .min(1)
  .max(64)
  .nullable()
  .describe(
    "the IANA time zone the console shows this user's times and days in (Europe/Warsaw); null: the browser's zone",
  );

const businessRole = code.describe('a business role a process task names (finance, sales_lead, warehouse_lead, …)');
export const userInput = z
  .object({
    email: emailAddress(),
    name: name(),
    locale: locale
      .optional()
      .describe("the user's console language; also the invitation e-mail's. Absent: the inviting admin's, else en"),
    timeZone: timeZoneField.optional(),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length).describe('permission roles'),
    businessRoles: z.array(businessRole).max(50).default([]),
    password: z.string().min(12).max(200).optional().describe('an initial password (12+ characters)'),
    invite: z.boolean().optional().describe('no password: answer with a one-time invitation token instead'),
  })
  .strict()
  .refine((u) => Boolean(u.password) !== Boolean(u.invite), {
    message: 'give an initial password or invite: true',
    path: ['password'],
  });
export const userPatch = z
  .object({
    name: name().optional(),
    locale: locale.optional(),
    timeZone: timeZoneField.optional(),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length).optional(),
    businessRoles: z.array(businessRole).max(50).optional(),
    password: z.string().min(12).max(200).optional(),
    active: z.boolean().optional(),
  })
  .strict();

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

type UserRow = {
  id: string;
  email: string;
  name: string;
  locale: string;
  time_zone: string | null;
  roles: string[];
  business_roles: string[];
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
};
export const userView = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  locale: u.locale,
  timeZone: u.time_zone,
  roles: u.roles,
  businessRoles: u.business_roles,
  active: u.active,
  version: u.version,
  createdAt: new Date(u.created_at).toISOString(),
  updatedAt: new Date(u.updated_at).toISOString(),
});
const COLUMNS = [
  'id',
  'email',
  'name',
  'locale',
  'time_zone',
  'roles',
  'business_roles',
  'active',
  'version',
  'created_at',
  'updated_at',
] as const;

/**
 * A time zone as given (absent: unchanged; null: the browser's), checked as `tz` is (an IANA name
 * both Intl and the database know, else 400 naming `timeZone`) and kept in its canonical spelling.
 */
async function checkedZone(scope: TenantScope, zone: string | null | undefined) {
  if (zone === undefined || zone === null) return zone;
  await knownZone(scope, zone, 'timeZone');
  return ianaZone(zone) ?? zone;
}

async function emailFree(scope: TenantScope, email: string) {
  // the unique index is over every tenant (login finds the tenant by email)
  const taken = await scope.conn
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  if (taken) throw new AppError('EMAIL_TAKEN', `a user with ${email} exists`, [{ path: '/email', message: 'taken' }]);
}

/** Who invites, and where the console is reached from outside (for the invitation e-mail's link). */
export interface Inviter {
  locale?: string | undefined;
  /**
   * ORDO_PUBLIC_URL, given only when SMTP is configured too; without it no e-mail is queued (the
   * link would point nowhere, or the message would wait for a server that is not there).
   */
  publicUrl?: string | undefined;
}

export async function createUser(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: z.infer<typeof userInput>,
  inviter: Inviter = {},
) {
  await emailFree(scope, input.email);
  const timeZone = await checkedZone(scope, input.timeZone);
  const id = newId();
  const invite = input.invite ? newSecret('session') : null;
  const userLocale = input.locale ?? invitationLanguage(inviter.locale);
  // an invited user has no password until the invitation is used: this hash verifies nothing
  const passwordHash = input.password ? await hashPassword(input.password) : `invited$${invite!.hash}`;
  try {
    await scope
      .insertInto('users', {
        id,
        email: input.email,
        name: input.name,
        password_hash: passwordHash,
        roles: input.roles,
        business_roles: input.businessRoles,
        locale: userLocale,
        time_zone: timeZone ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError('EMAIL_TAKEN', `a user with ${input.email} exists`, [{ path: '/email', message: 'taken' }]);
    throw error;
  }
  await writeAudit(scope, actor, now, {
    entity: 'user',
    entityId: id,
    action: 'created',
    changes: { email: input.email, roles: input.roles, businessRoles: input.businessRoles, invited: !!invite },
  });
  const row = await scope.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
  // The invitation goes to the person by e-mail, through the outbox, in this transaction.
  const publicUrl = inviter.publicUrl;
  const mailed =
    invite && publicUrl
      ? await atomically(scope, (work) =>
          queueInvitationMail(work, {
            userId: id,
            email: input.email,
            name: input.name,
            language: invitationLanguage(userLocale),
            inviter: actor.name ?? 'Ordo',
            publicUrl,
            now,
          }),
        )
      : null;
  return {
    ...userView(row),
    ...(invite
      ? {
          invitation: {
            token: invite.secret,
            expiresAt: new Date(now.getTime() + INVITE_TTL_MS).toISOString(),
            emailed: mailed !== null,
            ...(mailed ? { notificationId: mailed } : {}),
          },
        }
      : {}),
  };
}

export async function listUsers(
  scope: TenantScope,
  query: { limit: number; cursor?: string | undefined; active?: boolean | undefined },
) {
  let sel = scope.selectFrom('users').select(COLUMNS);
  if (query.active !== undefined) sel = sel.where('active', '=', query.active);
  if (query.cursor) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(query.cursor))
      throw new AppError('VALIDATION_FAILED', 'the cursor is not valid', [
        { path: '/cursor', message: 'not a cursor from this list' },
      ]);
    sel = sel.where('id', '>', query.cursor);
  }
  const rows = await sel
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return { items: page.map(userView), nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
}

export async function getUser(scope: TenantScope, id: string) {
  const row = await scope.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `user ${id} not found`);
  return userView(row);
}

/** Changes a user; with If-Match the version must still be the one read. Deactivating ends the user's sessions. */
async function updateUserWithin(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  id: string,
  patch: z.infer<typeof userPatch>,
  expectedVersion: number | null,
) {
  const current = await scope.selectFrom('users').select(COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!current) throw new AppError('NOT_FOUND', `user ${id} not found`);
  const timeZone = await checkedZone(scope, patch.timeZone);
  if (expectedVersion !== null && expectedVersion !== current.version)
    throw new AppError('VERSION_MISMATCH', `the user is at version ${current.version}, not ${expectedVersion}`);
  if (id === actor.id && (patch.active === false || (patch.roles && !patch.roles.includes('admin'))))
    throw new AppError('VALIDATION_FAILED', 'you cannot deactivate yourself or take your own admin role', [
      { path: patch.active === false ? '/active' : '/roles', message: 'not on yourself' },
    ]);
  const losesAdmin =
    current.active &&
    current.roles.includes('admin') &&
    (patch.active === false || (patch.roles !== undefined && !patch.roles.includes('admin')));
  if (losesAdmin) {
    // Lock every active admin so two admins demoting each other at once cannot leave none.
    const admins = await scope
      .selectFrom('users')
      .select('id')
      .where('active', '=', true)
      .where(sql<boolean>`'admin' = any(roles)`)
      .forUpdate()
      .execute();
    if (admins.filter((admin) => admin.id !== id).length === 0)
      throw new AppError('LAST_ADMIN', 'this is the last active admin: give another user the admin role first', [
        { path: patch.active === false ? '/active' : '/roles', message: 'the last admin' },
      ]);
  }
  const updated = await scope
    .updateTable('users')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.locale !== undefined ? { locale: patch.locale } : {}),
      ...(timeZone !== undefined ? { time_zone: timeZone } : {}),
      ...(patch.roles !== undefined ? { roles: patch.roles } : {}),
      ...(patch.businessRoles !== undefined ? { business_roles: patch.businessRoles } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
      updated_at: now,
      version: current.version + 1,
    })
    .where('id', '=', id)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  if (patch.active === false || patch.password !== undefined)
    await scope.deleteFrom('sessions').where('user_id', '=', id).execute();
  const { password: _password, ...audited } = patch;
  await writeAudit(scope, actor, now, {
    entity: 'user',
    entityId: id,
    action: patch.active === false ? 'deactivated' : 'updated',
    changes: { ...audited, ...(patch.password !== undefined ? { password: 'changed' } : {}) },
  });
  forgetCachedKeys();
  return userView(updated);
}

/**
 * Sets the password of an invited user from the invitation's token (once, within 7 days): the code
 * the admin was shown (its hash in `users.password_hash`) or the one the e-mail carried (its hash
 * in the invitation's notification). The first used closes both.
 */
export async function acceptInvitation(db: TenantScope['conn'], token: string, password: string, now: Date) {
  const codeHash = hashSecret(token);
  const invitedUser = () => db.selectFrom('users').select(['tenant_id', 'id', 'created_at', 'active']);
  let user = await invitedUser().where('password_hash', '=', `invited$${codeHash}`).executeTakeFirst();
  if (!user) {
    const mailed = await invitationByCodeHash(db, codeHash);
    if (mailed)
      user = await invitedUser()
        .where('tenant_id', '=', mailed.tenant_id)
        .where('id', '=', mailed.user_id!)
        // still waiting for a password: an invitation used once opens nothing more
        .where('password_hash', 'like', 'invited$%')
        .executeTakeFirst();
  }
  if (!user || !user.active || now.getTime() - new Date(user.created_at).getTime() > INVITE_TTL_MS)
    throw new AppError('UNAUTHENTICATED', 'the invitation is not valid or has expired');
  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password), updated_at: now })
    .where('tenant_id', '=', user.tenant_id)
    .where('id', '=', user.id)
    .execute();
  await forgetInvitationCodes(db, user.tenant_id, user.id);
  return { userId: user.id };
}

/** updateUser in its own unit of work (or the caller's). */
export function updateUser(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  id: string,
  patch: z.infer<typeof userPatch>,
  expectedVersion: number | null,
) {
  return atomically(scope, (tx) => updateUserWithin(tx, actor, now, id, patch, expectedVersion));
}

/**
 * The business roles an admin can give (GET /business-roles): those the published processes name
 * (with their EN/PL/RU labels), those users hold and those of the equivalence map.
 */
export async function listBusinessRoles(scope: TenantScope) {
  const [fromProcesses, held, mapped] = await Promise.all([
    publishedRoleWords(scope),
    scope
      .selectFrom('users')
      .select(sql<string>`unnest(business_roles)`.as('role'))
      .where('active', '=', true)
      .execute(),
    scope.selectFrom('business_role_map').select(['role', 'acts_as']).execute(),
  ]);
  const holders = new Map<string, number>();
  for (const row of held) holders.set(row.role, (holders.get(row.role) ?? 0) + 1);
  const codes = new Set<string>([
    ...fromProcesses.keys(),
    ...holders.keys(),
    ...mapped.flatMap((row) => [row.role, row.acts_as]),
  ]);
  return {
    items: [...codes].sort().map((role) => ({
      code: role,
      labels: fromProcesses.get(role) ?? null,
      inProcesses: fromProcesses.has(role),
      users: holders.get(role) ?? 0,
    })),
  };
}

/** What a console user may change about themselves (PATCH /me): their time zone. */
export const profilePatch = z.object({ timeZone: timeZoneField.optional() }).strict();

/**
 * A signed-in user changes their own profile: no users:manage needed, only their own row. An API
 * key has no profile (403). Recorded in the audit like an admin's change.
 */
export async function updateOwnProfile(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  patch: z.infer<typeof profilePatch>,
) {
  if (actor.type !== 'user' || !actor.id)
    throw new AppError('FORBIDDEN', 'only a signed-in console user has a profile; an API key has none');
  const user = await updateUser(scope, actor, now, actor.id, patch, null);
  return { timeZone: user.timeZone, locale: user.locale };
}
