import { sql } from 'kysely';
import '../../store/schema-pricing.js';
import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { formatMoney, parseMoney, parseRate } from '../../shared/money.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { Actor } from '../../store/history.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import type { PriceListScope } from '../../store/schema-pricing.js';
import type { PriceEntriesInput, PriceEntryInput, PriceListInput, PriceListPatch } from './schemas.js';

/**
 * Price lists (docs/pricing.md): create, change (each change a new version with who and why in
 * `price_list_changes`), entries replaced or merged, read, listed, their history. Intake reads them
 * through app/pricing/price-order.ts.
 */

type EntryRow = {
  id: string;
  sku: string;
  min_quantity: number;
  unit_price: bigint;
  floor_price: bigint | null;
  tax_rate: string | null;
  valid_from: string | null;
  valid_to: string | null;
};

/** Entries checked and converted to rows: amounts exact in the currency, SKUs known, no two for the same SKU, break and start. */
async function entryRows(
  scope: TenantScope,
  currency: string,
  entries: readonly PriceEntryInput[],
  path = '/entries',
): Promise<EntryRow[]> {
  const errors: FieldError[] = [];
  const amount = (value: string, at: string) => {
    const units = parseMoney(value, currency);
    if (typeof units !== 'bigint') {
      errors.push({ path: at, message: `must be a decimal amount in ${currency}`, code: units });
      return 0n;
    }
    if (units < 0n) errors.push({ path: at, message: 'must not be negative', code: 'NEGATIVE' });
    return units;
  };
  const seen = new Set<string>();
  const rows = entries.map((entry, index) => {
    const key = `${entry.sku}\u0000${entry.minQuantity}\u0000${entry.validFrom ?? ''}`;
    if (seen.has(key))
      errors.push({
        path: `${path}/${index}`,
        message: `SKU ${entry.sku} from ${entry.minQuantity} is listed twice`,
        code: 'DUPLICATE',
      });
    seen.add(key);
    if (entry.taxRate && !parseRate(entry.taxRate))
      errors.push({
        path: `${path}/${index}/taxRate`,
        message: 'a percentage such as "23" or "8.5"',
        code: 'NOT_A_RATE',
      });
    if (entry.validFrom && entry.validTo && new Date(entry.validTo) <= new Date(entry.validFrom))
      errors.push({ path: `${path}/${index}/validTo`, message: 'must be after validFrom', code: 'BAD_PERIOD' });
    const unitPrice = amount(entry.unitPrice, `${path}/${index}/unitPrice`);
    const floorPrice = entry.floorPrice == null ? null : amount(entry.floorPrice, `${path}/${index}/floorPrice`);
    if (floorPrice !== null && floorPrice > unitPrice)
      errors.push({
        path: `${path}/${index}/floorPrice`,
        message: 'must not be above the unit price',
        code: 'FLOOR_ABOVE_PRICE',
      });
    return {
      id: newId(),
      sku: entry.sku,
      min_quantity: entry.minQuantity,
      unit_price: unitPrice,
      floor_price: floorPrice,
      tax_rate: entry.taxRate ?? null,
      valid_from: entry.validFrom ?? null,
      valid_to: entry.validTo ?? null,
    };
  });
  const skus = [...new Set(entries.map((e) => e.sku))];
  if (skus.length) {
    const known = new Set(
      (await scope.selectFrom('products').select('sku').where('sku', 'in', skus).execute()).map((p) => p.sku),
    );
    entries.forEach((entry, index) => {
      if (!known.has(entry.sku))
        errors.push({ path: `${path}/${index}/sku`, message: `unknown SKU ${entry.sku}`, code: 'UNKNOWN_SKU' });
    });
  }
  if (errors.length) throw new AppError('VALIDATION_FAILED', `${errors.length} price entr(ies) are not valid`, errors);
  return rows;
}

function checkScope(value: { scope: PriceListScope; scopeRef?: string | null | undefined }) {
  if ((value.scope === 'base') !== (value.scopeRef == null))
    throw new AppError(
      'VALIDATION_FAILED',
      value.scope === 'base'
        ? 'a base list applies to every order and names no scopeRef'
        : `a ${value.scope} list names its scopeRef`,
      [{ path: '/scopeRef', message: value.scope === 'base' ? 'must be absent for base' : 'required' }],
    );
}

async function insertEntries(work: Work, listId: string, rows: EntryRow[]) {
  for (let at = 0; at < rows.length; at += 1000) {
    const chunk = rows.slice(at, at + 1000);
    await work
      .insertInto(
        'price_list_entries',
        chunk.map((r) => ({ price_list_id: listId, ...r })),
      )
      .execute();
  }
}

async function recordChange(
  work: Work,
  actor: Actor,
  now: Date,
  listId: string,
  version: number,
  reason: string,
  changes: Record<string, unknown>,
) {
  await work
    .insertInto('price_list_changes', {
      price_list_id: listId,
      version,
      at: now,
      actor_type: actor.type,
      actor_id: actor.id,
      reason,
      changes: JSON.stringify(changes),
    })
    .execute();
}

export async function createPriceList(scope: TenantScope, actor: Actor, now: Date, input: PriceListInput) {
  checkScope(input);
  const rows = await entryRows(scope, input.currency, input.entries);
  const id = newId();
  try {
    await atomically(scope, async (work) => {
      await work
        .insertInto('price_lists', {
          id,
          code: input.code,
          name: input.name,
          currency: input.currency,
          prices_include_tax: input.pricesIncludeTax,
          scope: input.scope,
          scope_ref: input.scopeRef ?? null,
          priority: input.priority,
          valid_from: input.validFrom ?? null,
          valid_to: input.validTo ?? null,
          active: input.active,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await insertEntries(work, id, rows);
      await recordChange(work, actor, now, id, 1, input.reason, { created: true, entries: rows.length });
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError('ALREADY_EXISTS', `price list ${input.code} exists`, [{ path: '/code', message: 'taken' }]);
    throw err;
  }
  return getPriceList(scope, id);
}

const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

async function loadList(scope: TenantScope, idOrCode: string, lock = false) {
  let query = scope
    .selectFrom('price_lists')
    .selectAll()
    .where(isUuid(idOrCode) ? 'id' : 'code', '=', idOrCode);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `price list ${idOrCode} does not exist`);
  return row;
}

function checkVersion(row: { version: number }, expected: number | null) {
  if (expected !== null && expected !== row.version)
    throw new AppError('VERSION_MISMATCH', `the price list is at version ${row.version}, not ${expected}`, [], {
      currentVersion: row.version,
    });
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/** Changes the list's own fields: a new version with what changed, who and why. */
export async function updatePriceList(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  idOrCode: string,
  expectedVersion: number | null,
  patch: PriceListPatch,
) {
  const id = await atomically(scope, async (work) => {
    const row = await loadList(work, idOrCode, true);
    checkVersion(row, expectedVersion);
    const before: Record<string, unknown> = {
      name: row.name,
      pricesIncludeTax: row.prices_include_tax,
      scope: row.scope,
      scopeRef: row.scope_ref,
      priority: row.priority,
      validFrom: iso(row.valid_from),
      validTo: iso(row.valid_to),
      active: row.active,
    };
    const after = { ...before };
    for (const [field, value] of Object.entries(patch))
      if (field !== 'reason' && value !== undefined)
        after[field] = field.startsWith('valid') && value ? iso(value as string) : value;
    checkScope({ scope: after.scope as PriceListScope, scopeRef: after.scopeRef as string | null });
    if (after.validFrom && after.validTo && new Date(after.validTo as string) <= new Date(after.validFrom as string))
      throw new AppError('VALIDATION_FAILED', 'validTo must be after validFrom', [
        { path: '/validTo', message: 'before validFrom' },
      ]);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const field of Object.keys(after))
      if (after[field] !== before[field]) changes[field] = { from: before[field], to: after[field] };
    if (!Object.keys(changes).length) return row.id;
    await work
      .updateTable('price_lists')
      .set({
        name: after.name as string,
        prices_include_tax: after.pricesIncludeTax as boolean,
        scope: after.scope as PriceListScope,
        scope_ref: (after.scopeRef as string | null) ?? null,
        priority: after.priority as number,
        valid_from: (after.validFrom as string | null) ?? null,
        valid_to: (after.validTo as string | null) ?? null,
        active: after.active as boolean,
        version: row.version + 1,
        updated_at: now,
      })
      .where('id', '=', row.id)
      .execute();
    await recordChange(work, actor, now, row.id, row.version + 1, patch.reason, changes);
    return row.id;
  });
  return getPriceList(scope, id);
}

const entryKey = (e: { sku: string; min_quantity: number; valid_from: string | Date | null }) =>
  `${e.sku}\u0000${e.min_quantity}\u0000${e.valid_from === null ? '' : new Date(e.valid_from).toISOString()}`;

/**
 * Replaces or merges the list's entries: a new version whose change row lists each price added,
 * changed or removed (from → to).
 */
export async function setPriceEntries(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  idOrCode: string,
  expectedVersion: number | null,
  input: PriceEntriesInput,
) {
  const id = await atomically(scope, async (work) => {
    const row = await loadList(work, idOrCode, true);
    checkVersion(row, expectedVersion);
    const rows = await entryRows(work, row.currency, input.entries);
    const existing = await work
      .selectFrom('price_list_entries')
      .selectAll()
      .where('price_list_id', '=', row.id)
      .execute();
    const byKey = new Map(existing.map((e) => [entryKey(e), e]));
    const money = (v: bigint | string | null) => (v === null ? null : formatMoney(BigInt(v), row.currency));
    const diff: Array<Record<string, unknown>> = [];
    const removeIds: string[] = [];
    const incoming = new Set(rows.map(entryKey));
    for (const entry of rows) {
      const old = byKey.get(entryKey(entry));
      if (!old)
        diff.push({
          sku: entry.sku,
          minQuantity: entry.min_quantity,
          price: { from: null, to: money(entry.unit_price) },
        });
      else {
        removeIds.push(old.id);
        if (
          BigInt(old.unit_price) !== entry.unit_price ||
          (old.floor_price === null ? null : BigInt(old.floor_price)) !== entry.floor_price
        )
          diff.push({
            sku: entry.sku,
            minQuantity: entry.min_quantity,
            price: { from: money(old.unit_price), to: money(entry.unit_price) },
            floor: { from: money(old.floor_price), to: money(entry.floor_price) },
          });
      }
    }
    const removals = new Set(input.remove.map((r) => `${r.sku}\u0000${r.minQuantity}`));
    for (const old of existing) {
      if (incoming.has(entryKey(old))) continue;
      if (input.mode === 'replace' || removals.has(`${old.sku}\u0000${old.min_quantity}`)) {
        removeIds.push(old.id);
        diff.push({ sku: old.sku, minQuantity: old.min_quantity, price: { from: money(old.unit_price), to: null } });
      }
    }
    if (removeIds.length)
      for (let at = 0; at < removeIds.length; at += 1000)
        await work
          .deleteFrom('price_list_entries')
          .where('price_list_id', '=', row.id)
          .where('id', 'in', removeIds.slice(at, at + 1000))
          .execute();
    await insertEntries(work, row.id, rows);
    await work
      .updateTable('price_lists')
      .set({ version: row.version + 1, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    await recordChange(work, actor, now, row.id, row.version + 1, input.reason, {
      mode: input.mode,
      changed: diff.length,
      // the first thousand changes in detail; the count says when there were more
      entries: diff.slice(0, 1000),
    });
    return row.id;
  });
  return getPriceList(scope, id);
}

/**
 * An ERP's price type (1C's ТипЦен): the list is created when new, its fields updated and its
 * entries merged (or replaced) when it exists, all as one versioned change with the reason given.
 */
export async function upsertPriceList(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: PriceListInput & { mode?: 'replace' | 'merge' },
) {
  return atomically(scope, async (work) => {
    const existing = await work
      .selectFrom('price_lists')
      .select(['id', 'version'])
      .where('code', '=', input.code)
      .executeTakeFirst();
    if (!existing) return createPriceList(work, actor, now, input);
    await updatePriceList(work, actor, now, existing.id, null, {
      name: input.name,
      pricesIncludeTax: input.pricesIncludeTax,
      scope: input.scope,
      scopeRef: input.scopeRef ?? null,
      priority: input.priority,
      validFrom: input.validFrom ?? null,
      validTo: input.validTo ?? null,
      active: input.active,
      reason: input.reason,
    });
    return setPriceEntries(work, actor, now, existing.id, null, {
      mode: input.mode ?? 'merge',
      entries: input.entries,
      remove: [],
      reason: input.reason,
    });
  });
}

function listView(row: {
  id: string;
  code: string;
  name: string;
  currency: string;
  prices_include_tax: boolean;
  scope: string;
  scope_ref: string | null;
  priority: number;
  valid_from: Date | string | null;
  valid_to: Date | string | null;
  active: boolean;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}) {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    currency: row.currency,
    pricesIncludeTax: row.prices_include_tax,
    scope: row.scope,
    scopeRef: row.scope_ref,
    priority: row.priority,
    validFrom: iso(row.valid_from),
    validTo: iso(row.valid_to),
    active: row.active,
    version: row.version,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

export async function getPriceList(scope: TenantScope, idOrCode: string) {
  const row = await loadList(scope, idOrCode);
  const entries = await scope
    .selectFrom('price_list_entries')
    .selectAll()
    .where('price_list_id', '=', row.id)
    .orderBy('sku')
    .orderBy('min_quantity')
    .execute();
  const money = (v: bigint | string | null) => (v === null ? null : formatMoney(BigInt(v), row.currency));
  return {
    ...listView(row),
    entries: entries.map((e) => ({
      sku: e.sku,
      minQuantity: e.min_quantity,
      unitPrice: money(e.unit_price)!,
      floorPrice: money(e.floor_price),
      taxRate: e.tax_rate,
      validFrom: iso(e.valid_from),
      validTo: iso(e.valid_to),
    })),
  };
}

export async function listPriceLists(
  scope: TenantScope,
  query: {
    scope?: string | undefined;
    currency?: string | undefined;
    active?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  let builder = scope
    .selectFrom('price_lists')
    .selectAll()
    .orderBy('id')
    .limit(query.limit + 1);
  if (query.scope) builder = builder.where('scope', '=', query.scope as PriceListScope);
  if (query.currency) builder = builder.where('currency', '=', query.currency);
  if (query.active) builder = builder.where('active', '=', query.active === 'true');
  const after = decodeCursor(query.cursor);
  if (query.cursor && (!after || !isUuid(after)))
    throw new AppError('VALIDATION_FAILED', 'the cursor is not valid', [
      { path: '/cursor', message: 'not a cursor from this list' },
    ]);
  if (after) builder = builder.where('id', '>', after);
  const rows = await builder.execute();
  const page = rows.slice(0, query.limit);
  const counts = page.length
    ? await scope
        .selectFrom('price_list_entries')
        .select(['price_list_id', sql<number>`count(*)::int`.as('n')])
        .where(
          'price_list_id',
          'in',
          page.map((r) => r.id),
        )
        .groupBy('price_list_id')
        .execute()
    : [];
  const entryCounts = new Map(counts.map((c) => [c.price_list_id, c.n]));
  return {
    items: page.map((r) => ({ ...listView(r), entryCount: entryCounts.get(r.id) ?? 0 })),
    nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}

/** The list's versions, newest first: who, when, why and what changed. */
export async function priceListHistory(scope: TenantScope, idOrCode: string) {
  const row = await loadList(scope, idOrCode);
  const rows = await scope
    .selectFrom('price_list_changes')
    .selectAll()
    .where('price_list_id', '=', row.id)
    .orderBy('version', 'desc')
    .execute();
  return {
    items: rows.map((r) => ({
      version: r.version,
      at: iso(r.at)!,
      actor: { type: r.actor_type, id: r.actor_id },
      reason: r.reason,
      changes: r.changes,
    })),
  };
}
