/**
 * 1C's price types as Ordo price lists (src/app/pricing). A list that exists (the tenant made it,
 * or an earlier exchange did) gets 1C's prices merged in as a new version whose change row names
 * the exchange; its scope, priority and activity stay the tenant's. A new list is created as a
 * base list — active only when the connection's `priceLists` names the price type, so 1C's
 * purchase or planning prices never price orders unless the tenant says so.
 */
import { AppError } from '../../shared/errors.js';
import { createPriceList, setPriceEntries } from '../pricing/price-lists.js';
import { MAX_ENTRIES } from '../pricing/schemas.js';
import type { PriceListSink } from './import-catalog.js';
import '../../store/schema-pricing.js';

export const oneCPriceLists: PriceListSink = async (work, actor, now, list) => {
  const reason = `1C exchange: price type ${list.priceTypeName} (${list.priceTypeId})`.slice(0, 500);
  const entries = list.entries.map((entry) => ({ sku: entry.sku, minQuantity: 1, unitPrice: entry.unitPrice }));
  const existing = await work
    .selectFrom('price_lists')
    .select(['id', 'currency'])
    .where('code', '=', list.code)
    .executeTakeFirst();
  if (existing && existing.currency !== list.currency)
    throw new AppError(
      'VALIDATION_FAILED',
      `price list ${list.code} is in ${existing.currency}, 1C's prices are in ${list.currency}`,
      [
        {
          path: `/priceLists/${list.priceTypeId}`,
          message: 'map this price type and currency to a list in its currency',
        },
      ],
    );
  let start = 0;
  if (!existing) {
    await createPriceList(work, actor, now, {
      code: list.code,
      name: `1С: ${list.priceTypeName}`.slice(0, 200),
      currency: list.currency,
      pricesIncludeTax: list.pricesIncludeTax,
      scope: 'base',
      scopeRef: null,
      priority: 0,
      validFrom: null,
      validTo: null,
      active: list.mapped,
      entries: entries.slice(0, MAX_ENTRIES),
      reason,
    });
    start = MAX_ENTRIES;
  }
  for (; start < entries.length; start += MAX_ENTRIES)
    await setPriceEntries(work, actor, now, list.code, null, {
      mode: 'merge',
      entries: entries.slice(start, start + MAX_ENTRIES),
      remove: [],
      reason,
    });
  return existing
    ? `${entries.length} prices merged into ${list.code}`
    : `price list ${list.code} created${list.mapped ? '' : ' inactive (map the price type in settings.priceLists to use it)'}`;
};
