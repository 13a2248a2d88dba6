/** Saved views of the orders list: a name and the list's query string, kept in this browser. */
export interface SavedView {
  name: string;
  search: string;
}

const KEY = 'ordo.orders.views';

export function loadViews(): SavedView[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v)
      ? v.filter((x): x is SavedView => typeof x?.name === 'string' && typeof x?.search === 'string')
      : [];
  } catch {
    return [];
  }
}

export function saveView(view: SavedView): SavedView[] {
  const views = [...loadViews().filter((v) => v.name !== view.name), view].sort((a, b) => a.name.localeCompare(b.name));
  localStorage.setItem(KEY, JSON.stringify(views));
  return views;
}

export function deleteView(name: string): SavedView[] {
  const views = loadViews().filter((v) => v.name !== name);
  localStorage.setItem(KEY, JSON.stringify(views));
  return views;
}

/** The filter part of a query string in a stable order, so equal filters compare equal. */
/** Filters that arrive by a link (the customer page, a KPI figure) and show as removable chips. */
export const DRILL_DOWN = [
  'customerId',
  'kpi',
  'stage',
  'location',
  'stuckHours',
  'slaHours',
  // the exact window of a dashboard figure (RFC 3339 instants, passed to the API as they are)
  'placedFrom',
  'placedTo',
] as const;

export function normalise(search: URLSearchParams): string {
  // the list's own filters, and those a drill-down link brings (a customer, a KPI figure)
  const keys = ['q', 'state', 'channel', 'from', 'to', 'sort', ...DRILL_DOWN];
  const out = new URLSearchParams();
  for (const k of keys) {
    const v = search.get(k);
    if (v) out.set(k, v);
  }
  return out.toString();
}
