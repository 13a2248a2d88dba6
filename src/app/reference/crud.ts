import { isDeepStrictEqual } from 'node:util';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../store/pg-errors.js';
import type { RefEntity } from './entities.js';

type Row = Record<string, unknown> & { id: string; version: number; created_at: Date; updated_at: Date };

/** A row as the API shows it: camelCase fields, numbers for coordinates, ISO times. */
export type RefView = { id: string; version: number; createdAt: string; updatedAt: string } & Record<string, unknown>;

export function refView(e: RefEntity, row: Row): RefView {
  const out: Record<string, unknown> = {};
  for (const [field, [column, kind]] of Object.entries(e.fields)) {
    const v = row[column];
    out[field] = kind === 'numeric' && v !== null && v !== undefined ? Number(v) : v;
  }
  return { ...out, id: row.id, version: row.version, createdAt: new Date(row.created_at).toISOString(), updatedAt: new Date(row.updated_at).toISOString() };
}

function toColumns(e: RefEntity, input: Record<string, unknown>) {
  const cols: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    const spec = e.fields[field];
    if (!spec || value === undefined) continue;
    cols[spec[0]] = spec[1] === 'json' ? JSON.stringify(value) : value;
  }
  return cols;
}

const t = (s: TenantScope, e: RefEntity) => s as unknown as {
  selectFrom(t: string): any; insertInto(t: string, r: unknown): any; updateTable(t: string): any; deleteFrom(t: string): any;
};

async function load(s: TenantScope, e: RefEntity, idOrKey: string, forUpdate = false): Promise<Row> {
  let q = t(s, e).selectFrom(e.table).selectAll();
  q = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrKey) ? q.where('id', '=', idOrKey) : q.where(e.key, '=', idOrKey);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `${e.entity} ${idOrKey} not found`);
  return row as Row;
}

export async function getReference(s: TenantScope, e: RefEntity, idOrKey: string) {
  return refView(e, await load(s, e, idOrKey));
}

export async function listReference(s: TenantScope, e: RefEntity, query: { limit: number; cursor?: string | undefined; q?: string | undefined } & Record<string, unknown>) {
  let q = t(s, e).selectFrom(e.table).selectAll();
  for (const f of e.filters) {
    const v = query[f];
    if (v === undefined) continue;
    q = q.where(e.fields[f]![0], '=', v === 'true' ? true : v === 'false' ? false : v);
  }
  if (query.q) {
    const needle = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb: any) => eb.or(e.search.map((c) => eb(eb.fn('lower', [c]), 'like', needle))));
  }
  const after = decodeCursor(query.cursor);
  if (after) q = q.where('id', '>', after);
  const rows: Row[] = await q.orderBy('id').limit(query.limit + 1).execute();
  const page = rows.slice(0, query.limit);
  return { items: page.map((r) => refView(e, r)), nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null };
}

function conflict(e: RefEntity, input: Record<string, unknown>, err: unknown): never {
  if (isUniqueViolation(err)) throw new AppError('ALREADY_EXISTS', `${e.entity} ${String(input[e.key])} exists`, [{ path: `/${e.key}`, message: 'already exists' }]);
  if (isForeignKeyViolation(err)) throw new AppError('VALIDATION_FAILED', 'a referenced record does not exist', [{ path: '/', message: 'unknown reference (e.g. companyId)' }]);
  throw err;
}

export async function createReference(s: TenantScope, e: RefEntity, actor: Actor, clock: Clock, input: Record<string, unknown>) {
  const id = newId();
  const now = clock.now();
  try {
    await atomically(s, async (tx) => {
      await t(tx, e).insertInto(e.table, { id, ...toColumns(e, input), created_at: now, updated_at: now }).execute();
      await writeAudit(tx, actor, now, { entity: e.entity, entityId: id, action: 'created', changes: input });
    });
  } catch (err) {
    conflict(e, input, err);
  }
  return getReference(s, e, id);
}

/** Partial update with optimistic concurrency (If-Match); the audit row holds each field's old and new value. */
export async function updateReference(s: TenantScope, e: RefEntity, actor: Actor, clock: Clock, idOrKey: string, patch: Record<string, unknown>, ifMatch: number | null) {
  try {
    return await atomically(s, async (tx) => {
      const row = await load(tx, e, idOrKey, true);
      if (ifMatch !== null && ifMatch !== row.version) throw new AppError('VERSION_MISMATCH', `${e.entity} is at version ${row.version}, not ${ifMatch}`, [], { currentVersion: row.version });
      const before = refView(e, row);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [k, v] of Object.entries(patch)) if (v !== undefined && !isDeepStrictEqual(before[k], v)) changes[k] = { from: before[k], to: v };
      if (Object.keys(changes).length === 0) return before;
      const now = clock.now();
      await t(tx, e).updateTable(e.table).set({ ...toColumns(e, patch), version: row.version + 1, updated_at: now }).where('id', '=', row.id).execute();
      await writeAudit(tx, actor, now, { entity: e.entity, entityId: row.id, action: 'updated', changes });
      return getReference(tx, e, row.id);
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    conflict(e, patch, err);
  }
}

/** Deletes a record nothing refers to; one that orders or stock refer to answers IN_USE (deactivate it instead). */
export async function deleteReference(s: TenantScope, e: RefEntity, actor: Actor, clock: Clock, idOrKey: string, ifMatch: number | null) {
  try {
    await atomically(s, async (tx) => {
      const row = await load(tx, e, idOrKey, true);
      if (ifMatch !== null && ifMatch !== row.version) throw new AppError('VERSION_MISMATCH', `${e.entity} is at version ${row.version}, not ${ifMatch}`, [], { currentVersion: row.version });
      await t(tx, e).deleteFrom(e.table).where('id', '=', row.id).execute();
      await writeAudit(tx, actor, clock.now(), { entity: e.entity, entityId: row.id, action: 'deleted', changes: refView(e, row) });
    });
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new AppError('IN_USE', `the ${e.entity} is referenced by other records; deactivate it instead`);
    throw err;
  }
}
