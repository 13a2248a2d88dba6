import type { Db } from '../store/db.js';
import type { RetentionConfig } from '../config.js';
import { parseRetentionDays, RETENTION_KINDS, type RetentionKind } from '../shared/retention.js';
import { retentionStatus, setRetentionOverride } from '../app/retention/retention-settings.js';
import { scope } from '../store/tenant-scope.js';

/**
 * `ordo retention status [--tenant T]`: days per kind (default, tenant override) and what the
 * sweeps removed; `ordo retention set --tenant T kind=days … | kind=default`: a tenant's overrides.
 */
export async function retentionCommand(
  db: Db,
  config: RetentionConfig,
  args: { action: string | undefined; pairs: string[]; tenantId: string | undefined },
): Promise<number> {
  if (args.action === 'set') {
    if (!args.tenantId || args.pairs.length === 0) {
      console.error('usage: ordo retention set --tenant SLUG KIND=DAYS|KIND=default …');
      return 2;
    }
    const store = scope(db, args.tenantId);
    for (const pair of args.pairs) {
      const [kind = '', value = ''] = pair.split('=');
      if (value.trim() === 'default') {
        await setRetentionOverride(store, kind.trim(), null);
        continue;
      }
      const parsed = parseRetentionDays(pair);
      if ('error' in parsed) {
        console.error(parsed.error);
        return 2;
      }
      for (const [name, days] of Object.entries(parsed)) await setRetentionOverride(store, name, days);
    }
  } else if (args.action !== 'status' && args.action !== undefined) {
    console.error('usage: ordo retention status|set [--tenant SLUG] [KIND=DAYS …]');
    return 2;
  }
  for (const tenant of await retentionStatus(db, config.days, args.tenantId)) {
    console.log(
      `${tenant.slug}: next sweep ${tenant.nextRun?.toISOString() ?? 'not scheduled (starts with the worker)'}`,
    );
    for (const kind of Object.keys(RETENTION_KINDS) as RetentionKind[]) {
      const days = tenant.days[kind];
      const removed = tenant.totals[kind] ?? 0;
      console.log(
        `  ${kind.padEnd(16)} ${days === 0 ? 'forever' : `${days} days`}${tenant.overridden.includes(kind) ? ' (tenant)' : ''}, ${removed} removed`,
      );
    }
  }
  return 0;
}
