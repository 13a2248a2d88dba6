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
 * merged (the most specific row per carrier service still wins), or the fallback table. With
 * `refs` (the active tables' ids and versions, read with the order) only tables not parsed yet
 * are read, so an order usually costs no statement here and no CSV on the wire.
 */
export async function loadRates(
  scope: TenantScope,
  currency: string,
  refs?: ReadonlyArray<{ id: string; name: string; version: number }>,
): Promise<{ table: RateTable; source: string[] }> {
  let tables: Array<{ name: string; version: number; table: RateTable }>;
  if (!refs)
    tables = (
      await scope
        .selectFrom('rate_tables')
        .select(['id', 'name', 'version', 'csv'])
        .where('currency', '=', currency)
        .where('active', '=', true)
        .orderBy('name')
        .execute()
    ).map((r) => ({ ...r, table: parsed(`${r.id}:${r.version}`, r.csv, currency) }));
  else {
    const known = new Map(refs.map((r) => [r.id, cache.get(`${r.id}:${r.version}`)]));
    const missing = refs.filter((r) => !known.get(r.id)).map((r) => r.id);
    // A table re-uploaded since the order's read comes in its newer version; one deleted since is left out.
    const read = new Map(
      missing.length
        ? (
            await scope
              .selectFrom('rate_tables')
              .select(['id', 'name', 'version', 'csv'])
              .where('id', 'in', missing)
              .execute()
          ).map((r) => [r.id, { ...r, table: parsed(`${r.id}:${r.version}`, r.csv, currency) }])
        : [],
    );
    tables = refs.flatMap((ref) => {
      const table = known.get(ref.id);
      return table ? [{ ...ref, table }] : read.has(ref.id) ? [read.get(ref.id)!] : [];
    });
  }
  if (tables.length === 0)
    return {
      table: parsed(`fallback:${currency}`, FALLBACK_RATES_CSV, currency),
      source: ['fallback (no rate table uploaded in ' + currency + ')'],
    };
  return {
    table: { currency, rows: tables.flatMap((t) => t.table.rows) },
    source: tables.map((r) => `${r.name} v${r.version}`),
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
