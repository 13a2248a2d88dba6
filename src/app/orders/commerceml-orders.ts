import { AppError } from '../../shared/errors.js';

/** One order read from a file, with the file positions it came from (for the import report). */
export interface ImportCandidate {
  rows: number[];
  /** An order body as POST /orders takes it (validated by the importer). */
  body: Record<string, unknown>;
}

/**
 * Orders from a CommerceML 2 document (1C's КоммерческаяИнформация: each Документ with
 * ХозОперация «Заказ товара» and its Товары) as order bodies. The 1C exchange (issue 17 item 6,
 * src/integrations/erp/commerceml/) brings the reader; until it is wired here, an import of such a
 * file is refused with a clear message rather than read as something else.
 */
export async function readCommerceMlOrders(xml: Buffer): Promise<ImportCandidate[]> {
  void xml;
  throw new AppError(
    'IMPORT_FORMAT_UNSUPPORTED',
    'this is a CommerceML 2 document (1C); importing orders from CommerceML is not supported yet: use the 1C exchange',
  );
}
