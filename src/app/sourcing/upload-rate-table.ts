import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { parseRateCsv } from '../../domain/sourcing/index.js';
import '../../store/schema-sourcing.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { rateTableView } from './load-rates.js';

/**
 * Stores a rate table (CSV, one row per carrier service and zone; amounts in `currency`) under
 * its name, replacing the table of that name. Every bad row is reported at once as 422
 * RATE_TABLE_INVALID with `/csv/line/<n>/<column>` paths; nothing is stored then.
 */
export async function uploadRateTable(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: { name: string; currency: string; csv: string; active?: boolean | undefined },
) {
  const parsed = parseRateCsv(input.csv, input.currency);
  if (!parsed.ok) {
    const lines = [...new Set(parsed.error.map((e) => e.line))];
    throw new AppError(
      'RATE_TABLE_INVALID',
      `${parsed.error.length} problem(s) on ${lines.length} line(s); nothing was stored`,
      parsed.error.map((e) => ({
        path: `/csv/line/${e.line}${e.column ? `/${e.column}` : ''}`,
        message: `line ${e.line}${e.column ? `, ${e.column}` : ''}: ${e.message}`,
      })),
      { rows: parsed.error },
    );
  }
  if (parsed.value.rows.length === 0) {
    throw new AppError('RATE_TABLE_INVALID', 'the rate table has no rows', [
      { path: '/csv', message: 'no rows after the header' },
    ]);
  }
  return atomically(scope, async (tx) => {
    const existing = await tx
      .selectFrom('rate_tables')
      .select(['id', 'version'])
      .where('name', '=', input.name)
      .forUpdate()
      .executeTakeFirst();
    const values = {
      currency: input.currency,
      csv: input.csv,
      row_count: parsed.value.rows.length,
      active: input.active ?? true,
      uploaded_by: actor.name ?? actor.id,
      updated_at: now,
    };
    const row = existing
      ? await tx
          .updateTable('rate_tables')
          .set({ ...values, version: existing.version + 1 })
          .where('id', '=', existing.id)
          .returningAll()
          .executeTakeFirstOrThrow()
      : await tx
          .insertInto('rate_tables', { id: newId(), name: input.name, ...values, created_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
    await writeAudit(tx, actor, now, {
      entity: 'rate_table',
      entityId: row.id,
      action: existing ? 'replaced' : 'uploaded',
      changes: { name: row.name, currency: row.currency, rows: row.row_count, version: row.version },
    });
    return rateTableView(row);
  });
}
