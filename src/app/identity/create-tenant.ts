import type { Db } from '../../store/db.js';
import { newId } from '../../shared/ids.js';
import { hashPassword } from '../../domain/identity/secrets.js';
import { scope } from '../../store/tenant-scope.js';
import { issueApiKey } from './issue-api-key.js';
import { systemActor } from '../../store/history.js';

export interface NewTenant {
  slug: string;
  name: string;
  admin: { email: string; name: string; password: string; locale?: string };
}

/** Creates a tenant with its first admin user and an admin API key (the secret is returned once). */
export async function createTenant(db: Db, input: NewTenant) {
  const tenantId = newId();
  const passwordHash = await hashPassword(input.admin.password);
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('tenants').values({ id: tenantId, slug: input.slug, name: input.name }).execute();
    const store = scope(trx, tenantId);
    const userId = newId();
    await store
      .insertInto('users', {
        id: userId,
        email: input.admin.email,
        name: input.admin.name,
        password_hash: passwordHash,
        roles: ['admin'],
        locale: input.admin.locale ?? 'en',
      })
      .execute();
    const key = await issueApiKey(store, systemActor, { name: 'bootstrap admin key', roles: ['admin'] });
    return { tenantId, userId, apiKey: key.secret, apiKeyId: key.id };
  });
}
