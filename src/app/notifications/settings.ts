import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-notifications.js';

export interface NotificationSettings {
  /** Templates switched off for this tenant: a notify step with one of them sends nothing (noted in history). */
  disabled: string[];
  /** E-mail addresses for `to:` values other than the customer (order_desk, seller, approvers). */
  recipients: Record<string, string[]>;
  version: number;
}

/** The tenant's notification settings (defaults when never set: everything on, no role recipients). */
export async function getNotificationSettings(tx: TenantScope): Promise<NotificationSettings> {
  const row = await tx.selectFrom('notification_settings').selectAll().executeTakeFirst();
  return row
    ? { disabled: row.disabled, recipients: row.recipients, version: row.version }
    : { disabled: [], recipients: {}, version: 0 };
}

/** Replaces the settings; If-Match against their version when given. */
export async function putNotificationSettings(
  store: TenantScope,
  input: { disabled: string[]; recipients: Record<string, string[]> },
  expected: number | null,
  now: Date,
): Promise<NotificationSettings> {
  // One unit of work: the row lock it reads under and its writes commit together.
  return atomically(store, async (tx) => {
    const cur = await tx.selectFrom('notification_settings').select('version').forUpdate().executeTakeFirst();
    if (expected !== null && (cur?.version ?? 0) !== expected)
      throw new AppError('VERSION_MISMATCH', `the settings are at version ${cur?.version ?? 0}, not ${expected}`);
    const row = {
      disabled: [...new Set(input.disabled)].sort(),
      recipients: JSON.stringify(input.recipients),
      updated_at: now,
    };
    if (cur)
      await tx
        .updateTable('notification_settings')
        .set({ ...row, version: sql`version + 1` })
        .execute();
    else await tx.insertInto('notification_settings', row).execute();
    return getNotificationSettings(tx);
  });
}
