/** Partner-neutral documents the EDIFACT and UBL mappings read and write. */

export interface EdiParty {
  /** NAD 3035 (BY, SU, DP, IV) or the UBL party role. */
  role: string;
  /** GLN (agency 9) or another id. */
  id: string;
  agency?: string;
  /** EDIFACT: the NAD segment's position in its message. */
  position?: number;
  name?: string;
  street?: string;
  city?: string;
  postalCode?: string;
  country?: string;
}

export interface EdiOrderLine {
  lineNo: string;
  /** 1-based segment position of LIN (EDIFACT) or the line index (UBL): where a line problem points. */
  position: number;
  gtin?: string;
  supplierArticle?: string;
  buyerArticle?: string;
  description?: string;
  quantity: number;
  unit?: string;
  /** Decimal string; absent when the partner sent no price. */
  unitPrice?: string;
  priceIsNet?: boolean;
  taxRate?: string;
  deliveryDate?: string;
}

export interface EdiOrder {
  messageRef: string;
  orderNumber: string;
  documentCode?: string;
  function?: string;
  documentDate?: string;
  deliveryDate?: string;
  currency?: string;
  contract?: string;
  parties: EdiParty[];
  lines: EdiOrderLine[];
  notes: string[];
}

export interface OrderResponseDoc {
  number: string;
  issuedAt: string;
  orderNumber: string;
  orderDate?: string;
  status: 'accepted' | 'changed' | 'rejected';
  currency?: string;
  buyerGln?: string;
  buyerName?: string;
  supplierGln?: string;
  supplierName?: string;
  lines: {
    lineNo: string;
    sku: string;
    name?: string;
    gtin?: string;
    buyerArticle?: string;
    orderedQuantity: number;
    confirmedQuantity: number;
    backorderedQuantity: number;
    unitPrice?: string;
    status: 'accepted' | 'changed' | 'rejected';
  }[];
}

export interface DespatchDoc {
  number: string;
  issuedAt: string;
  shippedAt: string;
  orderNumber: string;
  buyerGln?: string;
  buyerName?: string;
  supplierGln?: string;
  supplierName?: string;
  deliveryGln?: string;
  deliveryAddress?: { street?: string; city?: string; postalCode?: string; country?: string; name?: string };
  carrier?: string;
  trackingNumber?: string;
  packages: { sscc?: string | undefined; lines: number[] }[];
  lines: { lineNo: string; sku: string; name?: string; gtin?: string; quantity: number; orderLineId?: string }[];
}

export interface InvoiceDoc {
  kind: string;
  number: string;
  issueDate: string;
  dueDate?: string;
  orderNumber: string;
  currency: string;
  buyerGln?: string;
  buyerName?: string;
  supplierGln?: string;
  supplierName?: string;
  net: string;
  vat: string;
  gross: string;
  lines: {
    sku: string;
    name?: string;
    gtin?: string;
    quantity: number;
    unitNet: string;
    net: string;
    taxRate: string;
  }[];
}
