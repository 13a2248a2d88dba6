import { createWriteStream } from 'node:fs';
import { userInfo } from 'node:os';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../store/db.js';
import type { Config } from '../config.js';
import { systemClock } from '../shared/clock.js';
import {
  createPlatformTenant,
  deleteTenant,
  findTenant,
  listTenants,
  resumeTenant,
  setTenantLimits,
  suspendTenant,
  type TenantLimits,
  type TenantView,
} from '../app/tenants/manage-tenants.js';
import { eraseTenant } from '../app/tenants/erase-tenant.js';
import { exportTenant } from '../app/tenants/export-tenant.js';
import { issuePlatformKey, listPlatformKeys, revokePlatformKey } from '../app/tenants/platform-keys.js';

export interface TenantCommandOptions {
  slug?: string | undefined;
  name?: string | undefined;
  'admin-email'?: string | undefined;
  'admin-name'?: string | undefined;
  'admin-password'?: string | undefined;
  reason?: string | undefined;
  confirm?: string | undefined;
  out?: string | undefined;
  rps?: string | undefined;
  'orders-per-day'?: string | undefined;
  'storage-bytes'?: string | undefined;
}

export const TENANT_USAGE = `usage: ordo tenant create --slug S --name N --admin-email E --admin-name N [--admin-password P]
       ordo tenant list
       ordo tenant suspend SLUG --reason R | ordo tenant resume SLUG
       ordo tenant limits SLUG [--rps N|none] [--orders-per-day N|none] [--storage-bytes N|none]
       ordo tenant delete SLUG --reason R --confirm SLUG      (marks it deleted, then erases its data)
       ordo tenant export SLUG [--out FILE.ndjson.gz]`;

/** Who the CLI acts as in a tenant's status history: the operating-system user at the console. */
const cliOperator = () => ({ id: 'cli', name: `cli ${userInfo().username}` });

function line(tenant: TenantView): string {
  const limit = (value: number | null) => (value === null ? '∞' : String(value));
  return [
    tenant.slug.padEnd(24),
    tenant.status.padEnd(9),
    `rps ${limit(tenant.limits.requestsPerSecond)}`,
    `orders/day ${tenant.usage.ordersToday}/${limit(tenant.limits.ordersPerDay)}`,
    `storage ${tenant.usage.storageBytes}/${limit(tenant.limits.storageBytes)} B`,
    tenant.id,
    tenant.statusReason ? `(${tenant.statusReason})` : '',
  ]
    .join('  ')
    .trimEnd();
}

/** `--rps 10`, `--rps none` (no limit), or absent (unchanged). */
function limitOption(value: string | undefined, what: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new Error(`${what} must be a whole number or none`);
  return Number(value);
}

/** `ordo tenant …`: the platform operator's commands (docs/tenants.md). */
export async function tenantCommand(
  db: Db,
  config: Config,
  positionals: string[],
  options: TenantCommandOptions,
): Promise<number> {
  const [action, target] = positionals;
  const now = systemClock.now();
  switch (action) {
    case 'create': {
      const email = options['admin-email'];
      const adminName = options['admin-name'];
      if (!options.slug || !options.name || !email || !adminName) {
        console.error(TENANT_USAGE);
        return 2;
      }
      const created = await createPlatformTenant(
        db,
        {
          slug: options.slug,
          name: options.name,
          admin: { email, name: adminName, password: options['admin-password'] },
        },
        config.tenants,
        now,
      );
      console.log(`tenant ${created.tenant.slug} created (${created.tenant.id})`);
      console.log(
        `  admin user: ${created.admin.email}${created.admin.password ? ` / ${created.admin.password}` : ''}`,
      );
      console.log(`  admin API key (shown once): ${created.apiKey}`);
      return 0;
    }
    case 'list':
      for (const tenant of await listTenants(db)) console.log(line(tenant));
      return 0;
  }
  if (!target) {
    console.error(TENANT_USAGE);
    return 2;
  }
  const tenant = await findTenant(db, target);
  switch (action) {
    case 'suspend':
      if (!options.reason) {
        console.error('--reason is required');
        return 2;
      }
      console.log(line(await suspendTenant(db, tenant.id, cliOperator(), options.reason, now)));
      return 0;
    case 'resume':
      console.log(line(await resumeTenant(db, tenant.id, cliOperator(), now)));
      return 0;
    case 'limits': {
      const limits: Partial<TenantLimits> = {};
      const rps = limitOption(options.rps, '--rps');
      const perDay = limitOption(options['orders-per-day'], '--orders-per-day');
      const storage = limitOption(options['storage-bytes'], '--storage-bytes');
      if (rps !== undefined) limits.requestsPerSecond = rps === 0 ? null : rps;
      if (perDay !== undefined) limits.ordersPerDay = perDay;
      if (storage !== undefined) limits.storageBytes = storage;
      console.log(line(await setTenantLimits(db, tenant.id, limits, now)));
      return 0;
    }
    case 'delete': {
      if (!options.reason || !options.confirm) {
        console.error('--reason and --confirm SLUG (the slug typed again) are required');
        return 2;
      }
      await deleteTenant(db, tenant.id, cliOperator(), { reason: options.reason, confirm: options.confirm }, now);
      const result = await eraseTenant(db, tenant.id);
      console.log(`tenant ${tenant.slug} deleted and erased (${result.rowsDeleted} rows); a tombstone is kept`);
      return 0;
    }
    case 'export': {
      const file = options.out ?? `tenant-${tenant.slug}-${now.toISOString().slice(0, 10)}.ndjson.gz`;
      await pipeline(await exportTenant(db, tenant.id, now), createWriteStream(file));
      console.log(`tenant ${tenant.slug} exported to ${file}`);
      return 0;
    }
    default:
      console.error(TENANT_USAGE);
      return 2;
  }
}

/** `ordo platform-key create --name N | list | revoke ID`: keys of platform operators. */
export async function platformKeyCommand(db: Db, positionals: string[], name: string | undefined): Promise<number> {
  const [action, id] = positionals;
  if (action === 'create' && name) {
    const key = await issuePlatformKey(db, name);
    console.log(key.secret);
    return 0;
  }
  if (action === 'list') {
    for (const key of await listPlatformKeys(db))
      console.log(
        `${key.id}  ordop_${key.prefix}_…  ${key.name}${key.revoked_at ? `  revoked ${new Date(key.revoked_at).toISOString()}` : ''}`,
      );
    return 0;
  }
  if (action === 'revoke' && id) {
    const done = await revokePlatformKey(db, id, systemClock.now());
    console.log(done ? 'revoked' : 'no live platform key with this id');
    return done ? 0 : 1;
  }
  console.error('usage: ordo platform-key create --name NAME | ordo platform-key list | ordo platform-key revoke ID');
  return 2;
}
