/**
 * A catalogue file from 1C applied to Ordo in one transaction: products (Товары) created or
 * updated by SKU (Артикул, else 1C's Ид) and 1C's Ид mapped to the SKU (the connection's offer
 * mappings), price types and offers' prices gathered per price list, and stock (Количество, or
 * Остатки per Склад) set through the inventory's stock sync (src/app/inventory/sync-stock.ts:
 * never below what is reserved, every change in the ledger). An element Ordo cannot apply (an
 * unmapped warehouse, an offer for a product 1C never sent, stock below the reserved units) is
 * reported with its line and path; the rest applies.
 */
import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { parseMoney } from '../../shared/money.js';
import { newId } from '../../shared/ids.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { SYNC_MAX_ROWS, syncStock } from '../inventory/sync-stock.js';
import { sku as skuSchema } from '../schemas.js';
import type { CmlCatalogFile, CmlOffer, CmlProduct } from '../../integrations/erp/commerceml/index.js';
import type { OneCConnection } from './onec-connection.js';
import '../../store/schema-channels.js';

export interface ElementProblem {
  line: number;
  path: string;
  message: string;
}

/** One 1C price type's prices, as a price list gets them. */
export interface PriceListFrom1C {
  priceTypeId: string;
  priceTypeName: string;
  /** The Ordo price list code (connection setting priceLists, else derived from the price type). */
  code: string;
  /** True when the connection's priceLists names this price type (the tenant chose the list). */
  mapped: boolean;
  currency: string;
  pricesIncludeTax: boolean;
  entries: Array<{ sku: string; unitPrice: string }>;
}

/**
 * Where prices go: the pricing capability's price lists. Returns a note for the log (created,
 * merged); a refusal (an AppError: a currency other than the list's, a price it will not take)
 * is reported for that list and the rest of the file applies.
 */
export type PriceListSink = (work: Work, actor: Actor, now: Date, list: PriceListFrom1C) => Promise<string>;

export interface CatalogImportReport {
  products: { created: number; updated: number; unchanged: number; deactivated: number };
  offers: number;
  priceLists: Array<{
    code: string;
    priceType: string;
    currency: string;
    entries: number;
    applied: boolean;
    note?: string;
  }>;
  /** Kept in the log when no price list capability is wired: what 1C sent, per list. */
  pendingPrices?: PriceListFrom1C[];
  stock: { applied: number; unchanged: number; rejected: number; skippedWarehouses: string[] };
  problems: ElementProblem[];
}

/** 1C currency names → ISO 4217. */
export function isoCurrency(text: string | null): string | null {
  if (!text) return null;
  const value = text.trim().replace(/\.$/, '');
  if (/^(руб|рубль|RUR|RUB|643)$/i.test(value)) return 'RUB';
  if (/^(грн|UAH|980)$/i.test(value)) return 'UAH';
  if (/^(тенге|KZT|398)$/i.test(value)) return 'KZT';
  if (/^(бел\.? ?руб|BYN|933)$/i.test(value)) return 'BYN';
  if (/^(zł|zl|PLN|985)$/i.test(value)) return 'PLN';
  if (/^(USD|840|\$)$/i.test(value)) return 'USD';
  if (/^(EUR|978|€)$/i.test(value)) return 'EUR';
  return /^[A-Z]{3}$/.test(value) ? value : null;
}

/** "1.0000" → 1; null for fractions (Ordo counts whole units). Negative 1C balances count as 0. */
function wholeUnits(decimal: string): number | null {
  const [whole, fraction = ''] = decimal.replace(/^-/, '').split('.');
  if (/[1-9]/.test(fraction)) return null;
  const value = Number(whole);
  if (!Number.isSafeInteger(value) || value > 2_000_000_000) return null;
  return decimal.startsWith('-') ? 0 : value;
}

/** Kilograms (exact decimal) → whole grams, half up. */
export function gramsOf(kg: string): number {
  const [whole, fraction = ''] = kg.split('.');
  const padded = `${fraction}0000`;
  const grams = BigInt(whole!) * 1000n + BigInt(padded.slice(0, 3)) + (Number(padded[3]) >= 5 ? 1n : 0n);
  return Number(grams);
}

/** "2042.6600" → "2042.66" for a 2-decimal currency; extra non-zero decimals are kept (and refused by parseMoney). */
function trimDecimals(price: string): string {
  return price.includes('.') ? price.replace(/0+$/, '').replace(/\.$/, '') : price;
}

const validSku = (value: string) => skuSchema.safeParse(value).success;

function skuOf(item: { id: string; article: string | null }): string | null {
  if (item.article && validSku(item.article.trim())) return item.article.trim();
  return validSku(item.id) ? item.id : null;
}

function priceListCode(conn: OneCConnection, id: string, name: string): string {
  const mapped = conn.settings.priceLists[id] ?? conn.settings.priceLists[name];
  if (mapped) return mapped;
  const slug = id.replace(/[^A-Za-z0-9._:-]/g, '').slice(0, 50);
  return `1c-${slug || 'price'}`;
}

interface ProductRow {
  sku: string;
  name: string;
  unit: string | null;
  weightG: number | null;
  active: boolean;
  attributes: Record<string, unknown>;
  oneCId: string;
}

function productRow(product: CmlProduct | CmlOffer, sku: string): ProductRow {
  const isProduct = 'groups' in product;
  return {
    sku,
    name: (product.name ?? sku).slice(0, 200),
    unit: product.unit && product.unit.length <= 20 ? product.unit : null,
    weightG: isProduct && product.weightKg ? gramsOf(product.weightKg) : null,
    active: isProduct ? !product.deleted : true,
    attributes: {
      onec: {
        id: product.id,
        ...(isProduct
          ? {
              groups: product.groups,
              ...(product.barcode ? { barcode: product.barcode } : {}),
              ...(product.taxRate ? { taxRate: product.taxRate } : {}),
              ...(Object.keys(product.characteristics).length ? { characteristics: product.characteristics } : {}),
            }
          : {}),
      },
    },
    oneCId: product.id,
  };
}

/** Upserts products by SKU; returns how many were created, changed or left as they were. */
async function upsertProducts(tx: Work, conn: OneCConnection, rows: ProductRow[], now: Date) {
  const counts = { created: 0, updated: 0, unchanged: 0, deactivated: 0 };
  for (let start = 0; start < rows.length; start += 500) {
    const batch = rows.slice(start, start + 500);
    const written = await tx
      .insertInto(
        'products',
        batch.map((row) => ({
          id: newId(),
          sku: row.sku,
          name: row.name,
          ...(row.unit ? { unit: row.unit } : {}),
          weight_g: row.weightG,
          dimensions: JSON.stringify(null),
          attributes: JSON.stringify(row.attributes),
          active: row.active,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'sku'])
          .doUpdateSet({
            name: sql`excluded.name`,
            unit: sql`excluded.unit`,
            weight_g: sql`coalesce(excluded.weight_g, products.weight_g)`,
            attributes: sql`products.attributes || excluded.attributes`,
            active: sql`excluded.active`,
            version: sql`products.version + 1`,
            updated_at: now,
          })
          .where(({ or, eb }) =>
            or([
              eb('products.name', 'is distinct from', sql<string>`excluded.name`),
              eb('products.unit', 'is distinct from', sql<string>`excluded.unit`),
              eb('products.weight_g', 'is distinct from', sql<number>`coalesce(excluded.weight_g, products.weight_g)`),
              eb('products.active', 'is distinct from', sql<boolean>`excluded.active`),
              eb(sql`products.attributes || excluded.attributes`, 'is distinct from', sql`products.attributes`),
            ]),
          ),
      )
      .returning(['sku', 'active', sql<boolean>`(xmax = 0)`.as('inserted')])
      .execute();
    const touched = new Set(written.map((row) => row.sku));
    for (const row of written) {
      if (row.inserted) counts.created++;
      else if (!row.active) counts.deactivated++;
      else counts.updated++;
    }
    counts.unchanged += batch.filter((row) => !touched.has(row.sku)).length;
    await tx
      .insertInto(
        'channel_offers',
        batch.map((row) => ({
          connection_id: conn.id,
          offer_id: row.oneCId,
          sku: row.sku,
          pushed_quantity: null,
          pushed_at: null,
          push_error: null,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'connection_id', 'offer_id'])
          .doUpdateSet({ sku: sql`excluded.sku`, updated_at: now })
          .where('channel_offers.sku', '<>', sql<string>`excluded.sku`),
      )
      .execute();
  }
  return counts;
}

/** Applies a parsed catalogue file. `ingestionId` names the stock sync (its ledger reference). */
export async function importCatalog(
  store: TenantScope,
  conn: OneCConnection,
  actor: Actor,
  now: Date,
  file: CmlCatalogFile,
  ingestionId: string,
  prices?: PriceListSink,
): Promise<CatalogImportReport> {
  const problems: ElementProblem[] = [];
  const report: CatalogImportReport = {
    products: { created: 0, updated: 0, unchanged: 0, deactivated: 0 },
    offers: file.offers.length,
    priceLists: [],
    stock: { applied: 0, unchanged: 0, rejected: 0, skippedWarehouses: [] },
    problems,
  };
  return atomically(store, async (tx) => {
    // products
    const rows = new Map<string, ProductRow>();
    for (const product of file.products) {
      const sku = skuOf(product);
      if (!sku) {
        problems.push({
          line: product.line,
          path: product.path,
          message: `neither Артикул nor Ид "${product.id}" can be an Ordo SKU (letters, digits, . _ : - / # + and inner spaces, at most 100)`,
        });
        continue;
      }
      rows.set(sku, productRow(product, sku));
    }
    // offers → SKUs: the mapping 1C's Ид → SKU of this connection (import.xml came first)
    const ids = [...new Set(file.offers.map((offer) => offer.id))];
    const mapped = new Map<string, string>();
    for (let start = 0; start < ids.length; start += 1000) {
      for (const row of await tx
        .selectFrom('channel_offers')
        .select(['offer_id', 'sku'])
        .where('connection_id', '=', conn.id)
        .where('offer_id', 'in', ids.slice(start, start + 1000))
        .execute())
        mapped.set(row.offer_id, row.sku);
    }
    for (const product of rows.values()) mapped.set(product.oneCId, product.sku);
    const offerSku = new Map<CmlOffer, string>();
    for (const offer of file.offers) {
      let sku = mapped.get(offer.id);
      if (!sku && offer.name) {
        // an offer that describes itself (Bitrix 3.x offers with characteristics): a product of its own
        sku = skuOf(offer) ?? undefined;
        if (sku && !rows.has(sku)) rows.set(sku, productRow(offer, sku));
      }
      if (!sku) {
        problems.push({
          line: offer.line,
          path: offer.path,
          message: `offer ${offer.id} names a product 1C has not sent in import.xml`,
        });
        continue;
      }
      offerSku.set(offer, sku);
    }
    if (rows.size) report.products = await upsertProducts(tx, conn, [...rows.values()], now);

    // prices, per price type
    const types = new Map(file.priceTypes.map((type) => [type.id, type]));
    const lists = new Map<string, PriceListFrom1C>();
    for (const [offer, sku] of offerSku) {
      for (const price of offer.prices) {
        const type = types.get(price.priceTypeId);
        const currency = isoCurrency(price.currency ?? type?.currency ?? null);
        if (!currency) {
          problems.push({
            line: price.line,
            path: price.path,
            message: `currency "${price.currency ?? type?.currency ?? ''}" is not one Ordo knows`,
          });
          continue;
        }
        const unitPrice = trimDecimals(price.unitPrice);
        const parsed = parseMoney(unitPrice, currency);
        if (typeof parsed !== 'bigint') {
          problems.push({
            line: price.line,
            path: `${price.path}/ЦенаЗаЕдиницу`,
            message: `${price.unitPrice} ${currency}: ${parsed}`,
          });
          continue;
        }
        const key = `${price.priceTypeId}\u0000${currency}`;
        let list = lists.get(key);
        if (!list) {
          const name = type?.name ?? price.priceTypeId;
          list = {
            priceTypeId: price.priceTypeId,
            priceTypeName: name,
            code: priceListCode(conn, price.priceTypeId, name),
            mapped: Boolean(conn.settings.priceLists[price.priceTypeId] ?? conn.settings.priceLists[name]),
            currency,
            pricesIncludeTax: type?.taxIncluded ?? true,
            entries: [],
          };
          lists.set(key, list);
        }
        list.entries.push({ sku, unitPrice });
      }
    }
    // a price list has one currency: a price type priced in several gets a list per currency
    // (the one in the type's own currency, or else the one with most prices, keeps the plain code)
    const byCode = new Map<string, PriceListFrom1C[]>();
    for (const list of lists.values()) byCode.set(list.code, [...(byCode.get(list.code) ?? []), list]);
    for (const group of byCode.values()) {
      if (group.length < 2) continue;
      const own =
        isoCurrency(types.get(group[0]!.priceTypeId)?.currency ?? null) ??
        [...group].sort((a, b) => b.entries.length - a.entries.length)[0]!.currency;
      for (const list of group) if (list.currency !== own) list.code = `${list.code}-${list.currency.toLowerCase()}`;
    }
    for (const list of lists.values()) {
      let applied = false;
      let note: string | undefined;
      if (prices) {
        try {
          // its own savepoint: a list the pricing refuses leaves the rest of the file applied
          note = await atomically(tx, (work) => prices(work, actor, now, list));
          applied = true;
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          note = [error.message, ...error.errors.slice(0, 5).map((e) => `${e.path}: ${e.message}`)].join('; ');
          problems.push({ line: 0, path: `price list ${list.code}`, message: note });
        }
      }
      report.priceLists.push({
        code: list.code,
        priceType: list.priceTypeName,
        currency: list.currency,
        entries: list.entries.length,
        applied,
        ...(note ? { note } : {}),
      });
    }
    if (!prices && lists.size) report.pendingPrices = [...lists.values()];

    // stock: through the inventory's sync (never below reserved; the ledger records each change)
    const stockRows: Array<{ sku: string; location: string; onHand: number }> = [];
    const stockOrigin: Array<{ line: number; path: string }> = [];
    const skipped = new Set<string>();
    for (const [offer, sku] of offerSku) {
      for (const stock of offer.stocks) {
        const location = stock.warehouseId
          ? conn.mappings.locations?.[stock.warehouseId]
          : conn.settings.defaultLocation;
        if (!location) {
          if (stock.warehouseId) skipped.add(stock.warehouseId);
          else
            problems.push({
              line: stock.line,
              path: stock.path,
              message: 'a quantity with no Склад: set the connection setting defaultLocation to apply it',
            });
          continue;
        }
        const onHand = wholeUnits(stock.quantity);
        if (onHand === null) {
          problems.push({
            line: stock.line,
            path: stock.path,
            message: `quantity ${stock.quantity} is not a whole number of units`,
          });
          continue;
        }
        stockRows.push({ sku, location, onHand });
        stockOrigin.push({ line: stock.line, path: stock.path });
      }
    }
    report.stock.skippedWarehouses = [...skipped].sort();
    // the sync takes at most SYNC_MAX_ROWS rows: a big catalogue goes in parts, one transaction still
    for (let start = 0, part = 1; start < stockRows.length; start += SYNC_MAX_ROWS, part++) {
      const rows = stockRows.slice(start, start + SYNC_MAX_ROWS);
      const syncId = stockRows.length > SYNC_MAX_ROWS ? `1c:${ingestionId}:${part}` : `1c:${ingestionId}`;
      const synced = await syncStock(tx, actor, now, { syncId, rows });
      report.stock.applied += synced.applied;
      report.stock.unchanged += synced.unchanged;
      report.stock.rejected += synced.rejected.length;
      for (const rejected of synced.rejected) {
        const origin = stockOrigin[start + rejected.row - 1];
        problems.push({
          line: origin?.line ?? 0,
          path: origin?.path ?? '',
          message: `${rejected.sku} at ${rejected.location}: ${rejected.errors.map((e) => e.message).join('; ')}`,
        });
      }
    }
    await writeAudit(tx, actor, now, {
      entity: 'channel_connection',
      entityId: conn.id,
      action: '1c.catalog_imported',
      changes: {
        products: report.products,
        offers: report.offers,
        priceLists: report.priceLists,
        stock: { applied: report.stock.applied, rejected: report.stock.rejected },
      },
    });
    return report;
  });
}
