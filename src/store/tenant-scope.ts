import type {
  DeleteQueryBuilder,
  Insertable,
  InsertQueryBuilder,
  SelectQueryBuilder,
  UpdateQueryBuilder,
  DeleteResult,
  UpdateResult,
  InsertResult,
} from 'kysely';
import type { Conn, Db } from './db.js';
import type { DB } from './schema.js';
import { UnitOfWork } from './unit-of-work.js';

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
  /** The unit of work this scope writes in; null outside one (reads, single atomic statements). */
  readonly work: UnitOfWork | null;
  selectFrom<T extends TenantTable>(table: T): SelectQueryBuilder<DB, T, {}>;
  insertInto<T extends TenantTable>(
    table: T,
    rows: Omit<Insertable<DB[T]>, 'tenant_id'> | Omit<Insertable<DB[T]>, 'tenant_id'>[],
  ): InsertQueryBuilder<DB, T, InsertResult>;
  updateTable<T extends TenantTable>(table: T): UpdateQueryBuilder<DB, T, T, UpdateResult>;
  deleteFrom<T extends TenantTable>(table: T): DeleteQueryBuilder<DB, T, DeleteResult>;
}

/**
 * A tenant scope inside a unit of work: what a use case takes when it must run in its caller's
 * transaction and append history and events to it. Atomicity is in the signature: a function that
 * takes `Work` never commits on its own; one that takes a TenantScope opens its own unit of work.
 */
export type Work = TenantScope & { readonly work: UnitOfWork; readonly conn: UnitOfWork['trx'] };

export function scope(conn: Conn, tenantId: string): TenantScope {
  return scoped(conn, tenantId, null);
}

function scoped(conn: Conn, tenantId: string, work: UnitOfWork | null): TenantScope {
  // Kysely's builders are typed per table; the string-keyed calls below are checked by the
  // signatures of TenantScope, so the casts only bridge the generic table name.
  const currentConn = conn as any;
  return {
    tenantId,
    conn,
    work,
    selectFrom: (table) => currentConn.selectFrom(table).where(`${table}.tenant_id`, '=', tenantId),
    insertInto: (table, rows) => {
      const list = (Array.isArray(rows) ? rows : [rows]).map((r) => ({ ...r, tenant_id: tenantId }));
      return currentConn.insertInto(table).values(list);
    },
    updateTable: (table) => currentConn.updateTable(table).where(`${table}.tenant_id`, '=', tenantId),
    deleteFrom: (table) => currentConn.deleteFrom(table).where(`${table}.tenant_id`, '=', tenantId),
  };
}

/** The tenant's scope inside the given unit of work. */
export function inWork(work: UnitOfWork, tenantId: string): Work {
  return scoped(work.trx, tenantId, work) as Work;
}

/** Whether a scope is inside a unit of work (then a use case can join it instead of opening one). */
export function isWork(store: TenantScope): store is Work {
  return store.work !== null;
}

/**
 * Runs fn atomically: inside the caller's unit of work under a savepoint (so an expected failure,
 * a unique violation turned into DUPLICATE_ORDER, rolls back only fn's writes and its queued
 * history and events, and leaves the caller's work usable), or in a new unit of work.
 */
export async function atomically<T>(store: TenantScope, fn: (work: Work) => Promise<T>): Promise<T> {
  if (isWork(store)) return store.work.savepoint(() => fn(store));
  return transaction(store, fn);
}

/** A new unit of work (transaction) over the scope's database, with history and events written at its end. */
export function transaction<T>(store: TenantScope, fn: (work: Work) => Promise<T>): Promise<T> {
  if (store.conn.isTransaction)
    throw new Error("a unit of work cannot be opened inside another transaction: take the caller's Work");
  return UnitOfWork.run(store.conn as Db, (work) => fn(inWork(work, store.tenantId)), store.tenantId);
}
