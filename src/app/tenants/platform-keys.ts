import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { newId } from '../../shared/ids.js';
import '../../store/schema-tenants.js';

/**
 * Platform operators are not tenant users: they hold `ordop_…` keys issued by the command line
 * (`ordo platform-key create`) into `platform_keys`, which has no tenant. Such a key reaches only
 * /api/v1/platform; a tenant key (even an admin's) never does, and a platform key is no key at
 * all on the tenant routes (401), so operators cannot read a tenant's business data through them.
 */
export interface PlatformOperator {
  id: string;
  name: string;
}

const PLATFORM_KEY = /^ordop_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

export function isPlatformKey(secret: string): boolean {
  return secret.startsWith('ordop_');
}

const hashKey = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A new platform key; its secret is shown once and only its hash is kept. */
export async function issuePlatformKey(db: Db, name: string): Promise<{ id: string; secret: string }> {
  const prefix = randomBytes(4).toString('hex');
  const secret = `ordop_${prefix}_${randomBytes(32).toString('base64url')}`;
  const id = newId();
  await db
    .insertInto('platform_keys')
    .values({ id, name, prefix, key_hash: hashKey(secret), revoked_at: null })
    .execute();
  return { id, secret };
}

export async function revokePlatformKey(db: Db, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('platform_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function listPlatformKeys(db: Db) {
  return db
    .selectFrom('platform_keys')
    .select(['id', 'name', 'prefix', 'created_at', 'revoked_at'])
    .orderBy('id')
    .execute();
}

/** The operator a platform key belongs to; null when unknown, malformed or revoked (looked up every time: rare calls). */
export async function authenticatePlatformKey(db: Db, secret: string): Promise<PlatformOperator | null> {
  if (!PLATFORM_KEY.test(secret)) return null;
  const row = await db
    .selectFrom('platform_keys')
    .select(['id', 'name', 'revoked_at'])
    .where('key_hash', '=', hashKey(secret))
    .executeTakeFirst();
  return row && !row.revoked_at ? { id: row.id, name: row.name } : null;
}
