import type { Db } from '../../store/db.js';

/** A tenant's id by its slug; undefined when there is none. */
export async function findTenantId(db: Db, slug: string): Promise<string | undefined> {
  return (await db.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirst())?.id;
}
