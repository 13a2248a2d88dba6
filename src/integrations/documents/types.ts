/**
 * Input types of the shipping documents. Every document is a pure function of one of these
 * plain objects (no database, no clock): the caller loads the data and passes it in.
 *
 * Text fields are printed exactly as given (UTF-8; Polish and Cyrillic are fine) and must not
 * contain control characters. Weights are integer grams and dimensions integer millimetres so
 * totals are exact; amounts are decimal strings, as everywhere in Ordo.
 */

/** Language of the fixed captions ("Recipient", "Odbiorca", "Получатель"). Data is printed as given. */
export type DocumentLocale = 'en' | 'pl' | 'ru';

export interface PostalAddress {
  /** Person or department, e.g. "Łukasz Żółkiewski" or "Щукин Юрий Эдуардович". */
  name: string;
  company?: string;
  /** Street lines, 1 to 3 (street and number, flat, district). */
  lines: string[];
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2, upper case: "PL", "RU", "DE". */
  country: string;
  phone?: string;
  email?: string;
}

/** Fields every document accepts. */
export interface DocumentBase {
  locale: DocumentLocale;
  /**
   * ISO 8601 UTC instant written as the PDF's creation date. Optional: without it pdfkit uses
   * the current time, so pass it when byte-stable output matters.
   */
  createdAt?: string;
}

/** A6 (100 × 150 mm) label for one package. */
export interface ShippingLabelData extends DocumentBase {
  orderNumber: string;
  sender: PostalAddress;
  recipient: PostalAddress;
  carrier: { name: string; service: string };
  /** Carrier's tracking number, encoded as Code128: ASCII letters, digits, "-", "/", ".", 1–50 chars. */
  trackingNumber: string;
  /** http(s) URL of the tracking page, encoded as a QR code. */
  trackingUrl: string;
  /** 18 digits including the GS1 check digit (build one with `sscc()`), encoded as GS1-128 "(00)…". */
  sscc: string;
  /** Positive integer grams. */
  weightGrams: number;
  /** This package's 1-based position among the shipment's packages: 1 of 3. */
  package: { index: number; count: number };
}

export interface PackingSlipLine {
  sku: string;
  name: string;
  /** Positive integer. */
  quantity: number;
}

/** A4 packing slip; the lines table continues onto further pages. */
export interface PackingSlipData extends DocumentBase {
  orderNumber: string;
  /** YYYY-MM-DD. */
  orderDate: string;
  customer: { name: string; email?: string; phone?: string };
  shipTo: PostalAddress;
  shipFrom?: PostalAddress;
  /** Shipment or fulfilment-order reference printed under the order number. */
  shipmentReference?: string;
  /** At least one line. */
  lines: PackingSlipLine[];
  note?: string;
}

export interface WaybillPackage {
  reference?: string;
  /** Contents, e.g. "Części zamienne" or "Запчасти". */
  description?: string;
  /** Positive integer grams. */
  weightGrams: number;
  /** Positive integer millimetres. */
  lengthMm: number;
  widthMm: number;
  heightMm: number;
}

/** A4 waybill / transport document (list przewozowy, транспортная накладная). */
export interface WaybillData extends DocumentBase {
  documentNumber: string;
  /** YYYY-MM-DD. */
  issueDate: string;
  orderNumber?: string;
  consignor: PostalAddress;
  consignee: PostalAddress;
  carrier: { name: string; service?: string; vehicle?: string; driver?: string };
  /** At least one package. */
  packages: WaybillPackage[];
  /** Decimal string in the currency's minor-unit precision, e.g. { amount: "1234.50", currency: "PLN" }. */
  declaredValue?: { amount: string; currency: string };
  remarks?: string;
}

export interface PickListLine {
  sku: string;
  name: string;
  /** Positive integer. */
  quantity: number;
  zone: string;
  bin: string;
  /** Lot to pick from, when the stock is lot-controlled. */
  lot?: string;
  /** The picker must scan a serial number for each unit. */
  serialRequired?: boolean;
  /** Order the line belongs to, for batch picking. */
  orderNumber?: string;
}

/** A4 pick list for one location; lines are printed sorted by zone, then bin, then SKU. */
export interface PickListData extends DocumentBase {
  pickListNumber: string;
  location: { code: string; name: string };
  picker?: string;
  /** At least one line. SKUs are encoded as Code128 so must be printable ASCII. */
  lines: PickListLine[];
}
