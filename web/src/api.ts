/** The console talks only to the public API (/api/v1) with the session cookie. */

export interface Problem { status: number; title?: string; detail?: string; code: string; errors?: { path: string; message: string }[]; [k: string]: unknown }

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

const SESSION_MARKER = 'ordo.session';
export const hasSession = () => localStorage.getItem(SESSION_MARKER) === '1';
export const rememberSession = () => localStorage.setItem(SESSION_MARKER, '1');
export const forgetSession = () => localStorage.removeItem(SESSION_MARKER);

/** Called when any request answers 401: the session ended, show the login page. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(fn: () => void) { onUnauthenticated = fn; }

export interface ApiResponse<T> { body: T; etag: string | null }

export async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<ApiResponse<T>> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    ...(signal ? { signal } : {}),
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return { body: undefined as T, etag: null };
  const text = await res.text();
  let json: unknown = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const problem = (json && typeof json === 'object' ? json : { status: res.status, code: 'HTTP_ERROR', detail: text.slice(0, 200) }) as Problem;
    if (res.status === 401 && path !== '/auth/login') onUnauthenticated();
    throw new ApiError(res.status, problem);
  }
  return { body: json as T, etag: res.headers.get('etag') };
}

export const get = async <T,>(path: string, signal?: AbortSignal) => (await request<T>('GET', path, undefined, {}, signal)).body;

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface Page<T> { items: T[]; nextCursor: string | null }

export interface Me { tenantId: string; actor: { type: string; id: string | null; name?: string }; roles: string[]; locale?: string }

export interface OrderSummary {
  id: string; number: string; channel: string; externalId: string | null; orderType: string; state: string;
  customer: { id: string | null; name: string | null; email: string | null };
  currency: string; grandTotal: string; lineCount: number; placedAt: string; updatedAt: string; version: number;
}

export interface Address {
  name: string; company?: string; line1: string; line2?: string; city: string; postalCode?: string; region?: string;
  country: string; phone?: string; email?: string; latitude?: number; longitude?: number;
}

export interface OrderLine {
  id: string; lineNo: number; externalLineId: string | null; sku: string; productId: string; name: string; quantity: number;
  unitPrice: string; discount: string; taxRate: string | null; tax: string; net: string; total: string; attributes: Record<string, unknown>;
}

export interface Order extends OrderSummary {
  process: { key: string | null; version: number | null; state?: string };
  allowedEvents?: string[];
  companyId: string | null;
  totals: { subtotal: string; discountTotal: string; taxTotal: string; shippingTotal: string; grandTotal: string };
  delivery: { method: string; pickupLocationId: string | null; carrier?: string; service?: string };
  shippingAddress: Address | null; billingAddress: Address | null;
  paymentTerms: { kind?: string; dueDays?: number; prepaymentPercent?: number };
  attributes: Record<string, unknown>; notes: string | null; lines: OrderLine[]; createdAt: string;
}

export interface HistoryEntry {
  id: string; at: string; actor: { type: string; id: string | null; name: string | null };
  action: string; fromState: string | null; toState: string | null;
  changes: Record<string, unknown>; reason: Record<string, unknown>;
}

export interface OrdersSummary {
  from: string; to: string; days: number; total: number;
  byChannel: { channel: string; count: number }[];
  byState: { state: string; count: number }[];
  perDay: { day: string; count: number; byChannel: Record<string, number> }[];
  revenue: { currency: string; count: number; grandTotal: string }[];
  cycleTime: { endStates: string[]; orders: number; averageSeconds: number | null };
}

export type Reference = { id: string; version: number; createdAt: string; updatedAt: string } & Record<string, unknown>;

/** The role grants of src/domain/identity/roles.ts that change what the console shows. */
export function canWriteOrders(me: Me | undefined) {
  return Boolean(me?.roles.some((r) => r === 'admin' || r === 'operator' || r === 'integration'));
}

/** Only admins hold processes:write: designing, saving and publishing process versions. */
export function canWriteProcesses(me: Me | undefined) {
  return Boolean(me?.roles.includes('admin'));
}
