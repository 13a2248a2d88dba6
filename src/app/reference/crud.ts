import { isDeepStrictEqual } from 'node:util';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../store/pg-errors.js';
import { likePattern } from '../../store/like-pattern.js';
import type { RefEntity } from './entities.js';

type Row = Record<string, unknown> & { id: string; version: number; created_at: Date; updated_at: Date };

/** A row as the API shows it: camelCase fields, numbers for coordinates, ISO times. */
export type RefView = { id: string; version: number; createdAt: string; updatedAt: string } & Record<string, unknown>;

export function refView(refEntity: RefEntity, row: Row): RefView {
  const out: Record<string, unknown> = {};
  for (const [field, [column, kind]] of Object.entries(refEntity.fields)) {
    const item = row[column];
    out[field] = kind === 'numeric' && item !== null && item !== undefined ? Number(item) : item;
  }
  return {
    ...out,
    id: row.id,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function toColumns(refEntity: RefEntity, input: Record<string, unknown>) {
  const cols: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    const spec = refEntity.fields[field];
    if (!spec || value === undefined) continue;
    cols[spec[0]] = spec[1] === 'json' ? JSON.stringify(value) : value;
  }
  return cols;
}

const untyped = (s: TenantScope, e: RefEntity) =>
  s as unknown as {
    selectFrom(table: string): any;
    insertInto(table: string, rows: unknown): any;
    updateTable(table: string): any;
    deleteFrom(table: string): any;
  };

async function load(scope: TenantScope, refEntity: RefEntity, idOrKey: string, forUpdate = false): Promise<Row> {
  let query = untyped(scope, refEntity).selectFrom(refEntity.table).selectAll();
  query = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrKey)
    ? query.where('id', '=', idOrKey)
    : query.where(refEntity.key, '=', idOrKey);
  if (forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `${refEntity.entity} ${idOrKey} not found`);
  return row as Row;
}

export async function getReference(scope: TenantScope, refEntity: RefEntity, idOrKey: string) {
  return refView(refEntity, await load(scope, refEntity, idOrKey));
}

export async function listReference(
  scope: TenantScope,
  refEntity: RefEntity,
  query: { limit: number; cursor?: string | undefined; q?: string | undefined } & Record<string, unknown>,
) {
  let filter = untyped(scope, refEntity).selectFrom(refEntity.table).selectAll();
  for (const item of refEntity.filters) {
    const value = query[item];
    if (value === undefined) continue;
    filter = filter.where(refEntity.fields[item]![0], '=', value === 'true' ? true : value === 'false' ? false : value);
  }
  if (query.q) {
    const needle = likePattern(query.q);
    filter = filter.where((eb: any) => eb.or(refEntity.search.map((c) => eb(eb.fn('lower', [c]), 'like', needle))));
  }
  const after = decodeCursor(query.cursor);
  if (after) filter = filter.where('id', '>', after);
  const rows: Row[] = await filter
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => refView(refEntity, r)),
    nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null,
  };
}

function conflict(refEntity: RefEntity, input: Record<string, unknown>, err: unknown): never {
  if (isUniqueViolation(err))
    throw new AppError('ALREADY_EXISTS', `${refEntity.entity} ${String(input[refEntity.key])} exists`, [
      { path: `/${refEntity.key}`, message: 'already exists' },
    ]);
  if (isForeignKeyViolation(err))
    throw new AppError('VALIDATION_FAILED', 'a referenced record does not exist', [
      { path: '/', message: 'unknown reference (e.g. companyId)' },
    ]);
  throw err;
}

export async function createReference(
  scope: TenantScope,
  refEntity: RefEntity,
  actor: Actor,
  clock: Clock,
  input: Record<string, unknown>,
) {
  const id = newId();
  const now = clock.now();
  try {
    await atomically(scope, async (tx) => {
      await untyped(tx, refEntity)
        .insertInto(refEntity.table, { id, ...toColumns(refEntity, input), created_at: now, updated_at: now })
        .execute();
      await writeAudit(tx, actor, now, { entity: refEntity.entity, entityId: id, action: 'created', changes: input });
    });
  } catch (err) {
    conflict(refEntity, input, err);
  }
  return getReference(scope, refEntity, id);
}

/** Partial update with optimistic concurrency (If-Match); the audit row holds each field's old and new value. */
export async function updateReference(
  scope: TenantScope,
  refEntity: RefEntity,
  actor: Actor,
  clock: Clock,
  idOrKey: string,
  patch: Record<string, unknown>,
  ifMatch: number | null,
) {
  try {
    return await atomically(scope, async (tx) => {
      const row = await load(tx, refEntity, idOrKey, true);
      if (ifMatch !== null && ifMatch !== row.version)
        throw new AppError('VERSION_MISMATCH', `${refEntity.entity} is at version ${row.version}, not ${ifMatch}`, [], {
          currentVersion: row.version,
        });
      const before = refView(refEntity, row);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [key, value] of Object.entries(patch))
        if (value !== undefined && !isDeepStrictEqual(before[key], value))
          changes[key] = { from: before[key], to: value };
      if (Object.keys(changes).length === 0) return before;
      const now = clock.now();
      await untyped(tx, refEntity)
        .updateTable(refEntity.table)
        .set({ ...toColumns(refEntity, patch), version: row.version + 1, updated_at: now })
        .where('id', '=', row.id)
        .execute();
      await writeAudit(tx, actor, now, { entity: refEntity.entity, entityId: row.id, action: 'updated', changes });
      return getReference(tx, refEntity, row.id);
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    conflict(refEntity, patch, err);
  }
}

/** Deletes a record nothing refers to; one that orders or stock refer to answers IN_USE (deactivate it instead). */
export async function deleteReference(
  scope: TenantScope,
  refEntity: RefEntity,
  actor: Actor,
  clock: Clock,
  idOrKey: string,
  ifMatch: number | null,
) {
  try {
    await atomically(scope, async (tx) => {
      const row = await load(tx, refEntity, idOrKey, true);
      if (ifMatch !== null && ifMatch !== row.version)
        throw new AppError('VERSION_MISMATCH', `${refEntity.entity} is at version ${row.version}, not ${ifMatch}`, [], {
          currentVersion: row.version,
        });
      await untyped(tx, refEntity).deleteFrom(refEntity.table).where('id', '=', row.id).execute();
      await writeAudit(tx, actor, clock.now(), {
        entity: refEntity.entity,
        entityId: row.id,
        action: 'deleted',
        changes: refView(refEntity, row),
      });
    });
  } catch (err) {
    if (isForeignKeyViolation(err))
      throw new AppError('IN_USE', `the ${refEntity.entity} is referenced by other records; deactivate it instead`);
    throw err;
  }
}
