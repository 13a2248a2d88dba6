/**
 * Shipping documents: pure functions from plain data to PDF bytes (and ZPL text for the label).
 * See docs/documents.md.
 */
export type {
  DocumentBase,
  DocumentLocale,
  PackingSlipData,
  PackingSlipLine,
  PickListData,
  PickListLine,
  PostalAddress,
  ShippingLabelData,
  WaybillData,
  WaybillPackage,
} from './types.js';
export { renderShippingLabel, LABEL_SIZE, type LabelOptions } from './shipping-label.js';
export { labelZpl, type ZplOptions } from './label-zpl.js';
export { renderPackingSlip, renderPackingSlips } from './packing-slip.js';
export { renderWaybill } from './waybill.js';
export { renderPickList, renderPickLists, sortPickLines } from './pick-list.js';
export { sscc, gs1CheckDigit, isValidSscc, assertSscc, ssccProblem } from './sscc.js';
export {
  parseDocumentInput,
  postalAddressSchema,
  shippingLabelSchema,
  packingSlipSchema,
  waybillSchema,
  pickListSchema,
} from './schemas.js';
