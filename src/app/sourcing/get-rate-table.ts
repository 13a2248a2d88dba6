import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-sourcing.js';
import { rateTableView } from './load-rates.js';

/** One rate table with its CSV; 404 when the tenant has none of that name. */
export async function getRateTable(scope: TenantScope, name: string) {
  const row = await scope.selectFrom('rate_tables').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `rate table ${name} does not exist`);
  return rateTableView(row, true);
}
