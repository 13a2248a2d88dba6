import type { Selectable } from 'kysely';
import { parseRateCsv, type RateTable } from '../../domain/sourcing/index.js';
import '../../store/schema-sourcing.js';
import type { RateTablesTable } from '../../store/schema-sourcing.js';
import type { TenantScope } from '../../store/tenant-scope.js';

export function rateTableView(result: Selectable<RateTablesTable>, withCsv = false) {
  return {
    id: result.id,
    name: result.name,
    currency: result.currency,
    rows: result.row_count,
    version: result.version,
    active: result.active,
    uploadedBy: result.uploaded_by,
    createdAt: new Date(result.created_at).toISOString(),
    updatedAt: new Date(result.updated_at).toISOString(),
    ...(withCsv ? { csv: result.csv } : {}),
  };
}

/** Rate tables of the tenant (newest change first). */
export async function listRateTables(scope: TenantScope) {
  const rows = await scope.selectFrom('rate_tables').selectAll().orderBy('name').execute();
  return { items: rows.map((r) => rateTableView(r)) };
}

/**
 * Until a tenant uploads rates in a currency, routing still works: every leg is possible at no
 * cost, with transit days growing with distance, so distance and promise weights decide.
 */
export const FALLBACK_RATES_CSV = `carrier,service,mode,zone,min_km,max_km,base,per_unit,transit_days
default,standard,delivery,near,0,300,0,0,1
default,standard,delivery,far,300,1500,0,0,2
default,standard,delivery,very-far,1500,,0,0,4
default,transfer,transfer,near,0,300,0,0,1
default,transfer,transfer,far,300,,0,0,3
`;

// Parsed tables are cached by id and version: an upload bumps the version.
const cache = new Map<string, RateTable>();

/**
 * The rate table routing prices an order with: every active table in the order's currency,
 * merged (the most specific row per carrier service still wins), or the fallback table.
 */
export async function loadRates(scope: TenantScope, currency: string): Promise<{ table: RateTable; source: string[] }> {
  const rows = await scope
    .selectFrom('rate_tables')
    .select(['id', 'name', 'version', 'csv', 'currency'])
    .where('currency', '=', currency)
    .where('active', '=', true)
    .orderBy('name')
    .execute();
  if (rows.length === 0)
    return {
      table: parsed(`fallback:${currency}`, FALLBACK_RATES_CSV, currency),
      source: ['fallback (no rate table uploaded in ' + currency + ')'],
    };
  const tables = rows.map((r) => parsed(`${r.id}:${r.version}`, r.csv, currency));
  return {
    table: { currency, rows: tables.flatMap((t) => t.rows) },
    source: rows.map((r) => `${r.name} v${r.version}`),
  };
}

function parsed(key: string, csv: string, currency: string): RateTable {
  const hit = cache.get(key);
  if (hit) return hit;
  const result = parseRateCsv(csv, currency);
  if (!result.ok) throw new Error(`stored rate table ${key} does not parse: ${result.error[0]?.message}`);
  if (cache.size >= 200) cache.delete(cache.keys().next().value!);
  cache.set(key, result.value);
  return result.value;
}
