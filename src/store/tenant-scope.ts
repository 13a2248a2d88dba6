import { sql } from 'kysely';
import type { DeleteQueryBuilder, Insertable, InsertQueryBuilder, SelectQueryBuilder, UpdateQueryBuilder, DeleteResult, UpdateResult, InsertResult } from 'kysely';
import type { Conn, Db } from './db.js';
import type { DB } from './schema.js';
import { markPending, unitOfWork } from './unit-of-work.js';

/** Tables owned by a tenant (all but `tenants` itself). */
export type TenantTable = { [K in keyof DB]: DB[K] extends { tenant_id: string } ? K : never }[keyof DB];

/**
 * The only way application code reaches tenant-owned tables: every select, update and delete
 * is filtered by the tenant, every insert stamps it. Joins between tenant tables go through
 * composite (tenant_id, id) keys, which the schema enforces with foreign keys. There is no
 * way to name another tenant through this object.
 */
export interface TenantScope {
  readonly tenantId: string;
  readonly conn: Conn;
  selectFrom<T extends TenantTable>(table: T): SelectQueryBuilder<DB, T, {}>;
  insertInto<T extends TenantTable>(table: T, rows: Omit<Insertable<DB[T]>, 'tenant_id'> | Omit<Insertable<DB[T]>, 'tenant_id'>[]): InsertQueryBuilder<DB, T, InsertResult>;
  updateTable<T extends TenantTable>(table: T): UpdateQueryBuilder<DB, T, T, UpdateResult>;
  deleteFrom<T extends TenantTable>(table: T): DeleteQueryBuilder<DB, T, DeleteResult>;
  /** The same scope over another connection (a transaction opened from this one). */
  with(conn: Conn): TenantScope;
}

export function scope(conn: Conn, tenantId: string): TenantScope {
  // Kysely's builders are typed per table; the string-keyed calls below are checked by the
  // signatures of TenantScope, so the casts only bridge the generic table name.
  const c = conn as any;
  return {
    tenantId,
    conn,
    selectFrom: (table) => c.selectFrom(table).where(`${table}.tenant_id`, '=', tenantId),
    insertInto: (table, rows) => {
      const list = (Array.isArray(rows) ? rows : [rows]).map((r) => ({ ...r, tenant_id: tenantId }));
      return c.insertInto(table).values(list);
    },
    updateTable: (table) => c.updateTable(table).where(`${table}.tenant_id`, '=', tenantId),
    deleteFrom: (table) => c.deleteFrom(table).where(`${table}.tenant_id`, '=', tenantId),
    with: (other) => scope(other, tenantId),
  };
}

let savepoints = 0;

/**
 * Runs fn atomically: in a new transaction, or, inside the caller's transaction, under a
 * savepoint — so an expected failure (a unique violation turned into DUPLICATE_ORDER) rolls back
 * only fn's writes and leaves the caller's transaction usable.
 */
export async function atomically<T>(s: TenantScope, fn: (tx: TenantScope) => Promise<T>): Promise<T> {
  if (!s.conn.isTransaction) return unitOfWork(s.conn as Db, (trx) => fn(s.with(trx)));
  const name = `sp_${++savepoints}`;
  await sql.raw(`savepoint ${name}`).execute(s.conn);
  const forget = markPending(s.conn);
  try {
    const result = await fn(s);
    await sql.raw(`release savepoint ${name}`).execute(s.conn);
    return result;
  } catch (e) {
    await sql.raw(`rollback to savepoint ${name}`).execute(s.conn);
    forget?.();
    throw e;
  }
}

/** A new transaction over the scope's database, with history and events written at its end. */
export function transaction<T>(s: TenantScope, fn: (tx: TenantScope) => Promise<T>): Promise<T> {
  return unitOfWork(s.conn as Db, (trx) => fn(s.with(trx)));
}
