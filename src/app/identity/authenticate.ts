import { refuseInactiveTenant } from '../tenants/tenant-state.js';
import type { Db } from '../../store/db.js';
import { hashSecret, newSecret, verifyPassword } from '../../domain/identity/secrets.js';
import { newId } from '../../shared/ids.js';
import { scope } from '../../store/tenant-scope.js';
import type { Actor } from '../../store/history.js';
import '../../store/schema-companies.js';

export interface Principal {
  tenantId: string;
  actor: Actor;
  roles: string[];
  locale?: string;
  /** A console user's own IANA time zone (0037); null: the browser's. Absent for API keys. */
  timeZone?: string | null;
  /** Business roles (finance, sales_lead, …) the user or key acts as on process tasks (0020). */
  businessRoles?: string[];
  /** A B2B portal key bound to a company member: the member it acts for (0020). */
  memberId?: string;
}

/**
 * Valid keys seen in the last few seconds, by hash: an integration sends many requests a second,
 * and looking its key up for each was one database round trip of every command. A revocation
 * through this process clears the cache at once; in other processes it takes effect within
 * KEY_CACHE_MS. Unknown and revoked keys are never cached (they are looked up every time).
 */
export const KEY_CACHE_MS = 5_000;
const keyCache = new Map<string, { principal: Principal; until: number }>();

/** Forgets cached keys (after a revocation or a role change). */
export function forgetCachedKeys(): void {
  keyCache.clear();
}

/** Resolves a bearer API key to its tenant and roles; null when unknown or revoked. */
export async function authenticateKey(db: Db, secret: string, now = Date.now()): Promise<Principal | null> {
  if (!/^ordo_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  const hash = hashSecret(secret);
  const hit = keyCache.get(hash);
  if (hit && hit.until > now) return hit.principal;
  const row = await db
    .selectFrom('api_keys')
    .select(['tenant_id', 'id', 'name', 'roles', 'revoked_at', 'business_roles', 'company_member_id'])
    .where('key_hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.revoked_at) {
    keyCache.delete(hash);
    return null;
  }
  const principal: Principal = {
    tenantId: row.tenant_id,
    actor: { type: 'api_key', id: row.id, name: row.name },
    roles: row.roles,
    businessRoles: row.business_roles,
    ...(row.company_member_id ? { memberId: row.company_member_id } : {}),
  };
  if (keyCache.size >= 10_000) keyCache.clear();
  keyCache.set(hash, { principal, until: now + KEY_CACHE_MS });
  return principal;
}

export async function authenticateSession(db: Db, token: string, now = new Date()): Promise<Principal | null> {
  if (!/^ordos_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', (j) =>
      j.onRef('users.tenant_id', '=', 'sessions.tenant_id').onRef('users.id', '=', 'sessions.user_id'),
    )
    .select([
      'sessions.tenant_id',
      'users.id',
      'users.name',
      'users.roles',
      'users.active',
      'users.locale',
      'users.time_zone',
      'users.business_roles',
      'sessions.expires_at',
    ])
    .where('sessions.token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!row || !row.active || new Date(row.expires_at) <= now) return null;
  return {
    tenantId: row.tenant_id,
    actor: { type: 'user', id: row.id, name: row.name },
    roles: row.roles,
    locale: row.locale,
    timeZone: row.time_zone,
    businessRoles: row.business_roles,
  };
}

const SESSION_TTL_MS = 12 * 3600 * 1000;

/** Password login for the console: a session token (cookie) valid for 12 hours. */
export async function login(db: Db, email: string, password: string, now = new Date()) {
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  // Verify even when the user is unknown, so response time does not reveal which emails exist.
  const ok = await verifyPassword(
    password,
    user?.password_hash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  );
  if (!user || !ok || !user.active) return null;
  // the right password of a suspended or deleted tenant's user: said, and no session made
  await refuseInactiveTenant(db, user.tenant_id);
  const { secret, hash } = newSecret('session');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await scope(db, user.tenant_id)
    .insertInto('sessions', { id: newId(), user_id: user.id, token_hash: hash, expires_at: expiresAt })
    .execute();
  return {
    token: secret,
    expiresAt,
    user: {
      id: user.id,
      name: user.name,
      email: user.email,
      roles: user.roles,
      locale: user.locale,
      tenantId: user.tenant_id,
    },
  };
}

export async function logout(db: Db, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', hashSecret(token)).execute();
}
