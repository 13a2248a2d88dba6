import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { sql } from 'kysely';
import type { Db } from '../../store/db.js';
import { AppError } from '../../shared/errors.js';
import { tenantTables } from './tenant-tables.js';
import '../../store/schema-tenants.js';

const PAGE = 500;

/** bytea as base64, int8 that a driver gives as bigint as a string; the rest as JSON has it. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key] =
      value instanceof Uint8Array
        ? { base64: Buffer.from(value).toString('base64') }
        : typeof value === 'bigint'
          ? value.toString()
          : value;
  return out;
}

/**
 * The tenant's data as NDJSON lines: a header, then `{"table": …, "row": {…}}` for every row of
 * every table with a tenant_id column (parents before children), then a trailer with the count
 * per table. Rows are read a page at a time in primary-key order (keyset, no long transaction),
 * and the next page is read only when the consumer has taken the previous one.
 */
export async function* tenantExportLines(db: Db, tenantId: string, now = new Date()): AsyncGenerator<string> {
  const tenant = await db
    .selectFrom('tenants')
    .select(['id', 'slug', 'name', 'created_at', 'status'])
    .where('id', '=', tenantId)
    .executeTakeFirst();
  if (!tenant) throw new AppError('NOT_FOUND', 'no such tenant');
  const tables = (await tenantTables(db)).reverse();
  yield `${JSON.stringify({ kind: 'ordo-tenant-export', version: 1, exportedAt: now.toISOString(), tenant, tables: tables.map((t) => t.name) })}\n`;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    counts[table.name] = 0;
    const keyColumns = sql.join(table.primaryKey.map((column) => sql.ref(column)));
    let after: unknown[] | null = null;
    for (;;) {
      const where: ReturnType<typeof sql> = after ? sql`and (${keyColumns}) > (${sql.join(after)})` : sql``;
      const { rows }: { rows: Record<string, unknown>[] } = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(table.name)}
        where tenant_id = ${tenantId} ${where} order by ${keyColumns} limit ${PAGE}`.execute(db);
      if (rows.length === 0) break;
      let chunk = '';
      for (const row of rows) chunk += `${JSON.stringify({ table: table.name, row: plain(row) })}\n`;
      counts[table.name] = (counts[table.name] ?? 0) + rows.length;
      yield chunk;
      if (rows.length < PAGE) break;
      const last: Record<string, unknown> = rows[rows.length - 1]!;
      after = table.primaryKey.map((column): unknown => last[column]);
    }
  }
  yield `${JSON.stringify({ kind: 'end', counts })}\n`;
}

/** The export as a gzip stream (NDJSON inside): streamed, never built in memory. */
export async function exportTenant(db: Db, tenantId: string, now = new Date()): Promise<Readable> {
  const exists = await db.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst();
  if (!exists) throw new AppError('NOT_FOUND', 'no such tenant');
  return pipeline(Readable.from(tenantExportLines(db, tenantId, now)), createGzip(), () => {});
}
