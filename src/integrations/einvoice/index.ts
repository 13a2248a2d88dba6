/**
 * Statutory e-invoices from an InvoiceDocument: KSeF FA(3) (Poland) with its API adapter, and
 * the ФНС УПД 5.02 (Russia). The PDF rendering is in ../documents/invoice-pdf.ts.
 */
export { formatMinor, money, type EInvoiceError, type EInvoiceResult } from './common.js';
export type { XmlValidation, XmlValidationError } from './xml-schema.js';
export { buildKsefFa3, validateKsefFa3, FA3_NAMESPACE, FA3_FORM_CODE, type KsefFa3Options } from './ksef-fa3.js';
export {
  createKsefClient,
  invoiceHash,
  type KsefClient,
  type KsefClientConfig,
  type KsefError,
  type KsefErrorCode,
  type KsefInvoiceStatus,
  type KsefResult,
  type KsefSession,
} from './ksef-client.js';
export { buildUpd, createUpdValidator, toWindows1251, type UpdFile, type UpdOptions, type UpdSigner } from './upd.js';
export { renderInvoicePdf, type InvoicePdfOptions } from '../documents/invoice-pdf.js';
