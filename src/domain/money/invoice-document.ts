/**
 * An invoice as a document: everything a statutory format (KSeF FA(3), Russian УПД), the PDF and
 * the ERP need, computed once by the money capability from the order, its lines and the seller's
 * settings, and stored with the invoice. Pure data: amounts are integer minor units (bigint) in
 * `currency`; dates are ISO `YYYY-MM-DD` in the seller's zone (the statutory formats want dates,
 * not instants); text is UTF-8 (Polish and Cyrillic).
 */

export type InvoiceKind = 'invoice' | 'proforma' | 'credit_note';

export interface InvoiceAddress {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
  /** Russian region code (77 Moscow, 78 St Petersburg) where a format asks for it. */
  regionCode?: string;
}

export interface InvoiceParty {
  name: string;
  /** NIP (Poland, 10 digits), ИНН (Russia, 10 digits for a company, 12 for a person), VAT id elsewhere. */
  taxId?: string;
  /** КПП (Russia, companies only). */
  kpp?: string;
  address: InvoiceAddress;
  email?: string;
  /** A private buyer (no tax id): B2C invoices. */
  person?: boolean;
}

/**
 * VAT rate as the statutory formats name it: a percentage ("23", "8", "5", "0", Russian "20", "10")
 * or an exemption code: "zw" (zwolnione, exempt), "np" (nie podlega, outside scope),
 * "oo" (odwrotne obciążenie, reverse charge), "none" (Russian «без НДС»).
 */
export type VatRate = string;

export interface InvoiceDocumentLine {
  /** 1-based position. */
  no: number;
  sku: string;
  name: string;
  /** Integer quantity (Ordo sells in units); negative on a credit note line that takes back. */
  quantity: number;
  /** Unit of measure as printed: "szt." (PL), "шт" (RU, ОКЕИ 796), "pcs" (EN). */
  unit: string;
  /** Net unit price after discounts (minor units). */
  unitNet: bigint;
  net: bigint;
  vatRate: VatRate;
  vat: bigint;
  gross: bigint;
  /** GTIN/EAN when the product has one. */
  gtin?: string;
}

export interface VatSummaryRow {
  rate: VatRate;
  net: bigint;
  vat: bigint;
  gross: bigint;
}

export interface InvoiceDocument {
  kind: InvoiceKind;
  /** The gap-free number, e.g. "FV/2026/12/000123" (allocated in the issuing transaction). */
  number: string;
  /** Date of issue (P_1 in FA(3), «Дата составления»). */
  issueDate: string;
  /** Date of sale / delivery (P_6), when it differs from the issue date. */
  saleDate?: string;
  /** Where it was issued (P_1M), e.g. the seller's city. */
  placeOfIssue?: string;
  currency: string;
  /** Language of the human-readable renderings (PDF). */
  language: 'pl' | 'ru' | 'en';
  seller: InvoiceParty;
  buyer: InvoiceParty;
  lines: InvoiceDocumentLine[];
  /** One row per rate, exact: Σ rows = totals. */
  vatSummary: VatSummaryRow[];
  totals: { net: bigint; vat: bigint; gross: bigint };
  /** Prices on the order included VAT (B2C) or not (B2B): how the amounts were derived. */
  pricesIncludeTax: boolean;
  payment?: {
    /** Already paid (prepayment, card) in minor units. */
    paid?: bigint;
    dueDate?: string;
    /** transfer, card, cash, cod, … */
    method?: string;
    bankAccount?: string;
  };
  /** The Ordo order (and shipment, when invoiced per shipment) it is for. */
  orderNumber: string;
  shipmentId?: string;
  /** On a credit note: the invoice it corrects and why. */
  corrects?: {
    number: string;
    issueDate: string;
    /** The KSeF number of the corrected invoice, when it has one. */
    ksefNumber?: string;
    reason: string;
  };
  /**
   * The legal basis of a VAT exemption, required when any line is "zw" (P_19A in FA(3), and
   * printed on the invoice), e.g. "art. 43 ust. 1 pkt 37 ustawy o VAT".
   */
  vatExemptionBasis?: string;
}
