/**
 * Where 1C's price types go. The pricing capability (price lists) is not on this branch yet: until
 * it is wired here, the catalogue import keeps what 1C sent per price type in its log entry
 * (report.pendingPrices) and reports the lists as not applied.
 */
import type { PriceListSink } from './import-catalog.js';

export const oneCPriceLists: PriceListSink | undefined = undefined;
