/**
 * The returns and order-change API as the console reads it. The returns routes
 * (src/api/schemas/returns.ts) are not in clients/typescript/src/schema.d.ts yet, so these shapes
 * are written here from the server's views (src/app/returns/return-view.ts, reasons.ts and
 * src/api/schemas/order-changes.ts); once `npm run openapi` covers them they can become
 * `Schemas['Return']` and the like.
 */
import { ApiError, type Me } from './api';

export type ReturnWish = 'refund' | 'exchange' | 'store_credit';
export type Grade = 'resell' | 'refurbish' | 'write_off';
export type DropOffKind = 'label' | 'store' | 'point';

export interface ReturnLine {
  id: string;
  orderLineId: string;
  lineNo: number;
  sku: string;
  name: string;
  quantity: number;
  received: number;
  resell: number;
  refurbish: number;
  writeOff: number;
  value: string;
  reason: string | null;
}

/** A process task as src/app/process/order-process-view.ts taskView() answers it. */
export interface Task {
  id: string;
  orderId: string;
  kind: string;
  role: string | null;
  title: string | null;
  options: string[];
  state: string;
  dueAt: string | null;
  overdue: boolean;
  processState: string | null;
  version: number;
}

export interface ReturnView {
  id: string;
  number: string;
  orderId: string;
  orderNumber: string;
  customerName: string | null;
  state: string;
  version: number;
  source: 'api' | 'console' | 'self_service' | 'channel';
  wish: ReturnWish;
  reason: string;
  note: string | null;
  photos: string[];
  dropOff: { kind?: DropOffKind; carrier?: string; locationCode?: string; point?: string };
  label: { carrier?: string; trackingNumber?: string; url?: string; error?: string; [k: string]: unknown } | null;
  exchange: { lines?: { sku: string; quantity: number; unitPrice?: string }[]; advance?: boolean } | null;
  exchangeOrder: { id: string; number: string | null; state: string | null } | null;
  receivingLocation: string | null;
  currency: string;
  value: string;
  refunded: string;
  storeCredit: string;
  creditNoteId: string | null;
  lines: ReturnLine[];
  receipts: {
    id: string;
    lineId: string | null;
    sku: string;
    quantity: number;
    location: string | null;
    unexpected: boolean;
    status: string;
    receivedAt: string;
  }[];
  inspections: {
    id: string;
    lineId: string;
    grade: Grade;
    quantity: number;
    serial: string | null;
    note: string | null;
    stocked: boolean;
    inspectedAt: string;
  }[];
  process: { key: string | null; state: string; status?: string | null };
  allowedEvents: string[];
  openTasks: Task[];
  createdAt: string;
  closedAt: string | null;
}

export interface ReturnSummary {
  id: string;
  number: string;
  orderId: string;
  orderNumber: string;
  customerName: string | null;
  state: string;
  wish: ReturnWish;
  reason: string;
  source: string;
  units: number;
  received: number;
  value: string;
  refunded: string;
  currency: string;
  createdAt: string;
  closedAt: string | null;
}

export interface QueuedReceipt {
  id: string;
  returnId?: string | null;
  sku: string;
  quantity: number;
  location: string;
  note?: string | null;
  receivedAt: string;
}

export interface ReturnReason {
  code: string;
  labels: Record<string, string>;
  needsPhoto: boolean;
  active: boolean;
}

export interface ChangeTotals {
  subtotal: string;
  discountTotal: string;
  taxTotal: string;
  shippingTotal: string;
  grandTotal: string;
}

export type ChangeAction =
  | { type: 'add_line'; sku: string; quantity: number; unitPrice: string; taxRate?: string; name?: string }
  | { type: 'change_quantity'; lineId: string; quantity: number }
  | { type: 'cancel_quantity'; lineId: string; quantity: number }
  | { type: 'remove_line'; lineId: string };

export interface OrderChange {
  id: string;
  orderId: string;
  changeVersion: number;
  status: 'draft' | 'confirmed' | 'discarded';
  baseVersion: number;
  actions: ChangeAction[];
  reason: string | null;
  preview: {
    baseVersion: number;
    currency: string;
    totals: { before: ChangeTotals; after: ChangeTotals };
    lines: {
      id: string;
      lineNo: number;
      sku: string;
      name: string;
      quantity: number;
      unitPrice: string;
      fulfilled: number;
      added: boolean;
    }[];
    stock: { sku: string; delta: number; available: number; shortage: number }[];
    payment: {
      paid: string;
      difference: string;
      refund: string;
      outstanding: string;
      openAuthorization: string;
      authorizationCovers: boolean;
    };
    approvals: { role: string; rule: string }[];
  };
}

/** States in which a return is over (no more receipts, grades or decisions). */
export const FINAL_RETURN_STATES = ['closed', 'refused', 'rejected', 'cancelled'];

/** returns:write is held by these roles (src/domain/identity/roles.ts); GET /me answers roles, not permissions. */
export function canWriteReturns(me: Me | undefined) {
  return Boolean(me?.roles.some((r) => ['admin', 'operator', 'integration'].includes(r)));
}

/** A panel hides itself when the role may not read returns or the server has no returns routes. */
export const returnsHidden = (e: unknown) => e instanceof ApiError && (e.status === 403 || e.status === 404);

/** The reason's label in the user's language, else English, else the code spelled as words. */
export function reasonLabel(reasons: ReturnReason[] | undefined, code: string, lang: string): string {
  const r = reasons?.find((x) => x.code === code);
  return r?.labels[lang] ?? r?.labels.en ?? code.replaceAll('_', ' ');
}
