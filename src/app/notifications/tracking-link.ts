import type { TenantScope } from '../../store/tenant-scope.js';
import { trackingLink } from '../fulfilment/tracking-token.js';

let configuredPublicUrl: string | undefined;

/**
 * Sets the public base URL (config.http.publicUrl, ORDO_PUBLIC_URL) once at start: each entry
 * point calls this with its configuration. It is process-wide rather than passed down because
 * notifications are requested from process steps (local-actions.ts `notify`), several calls away
 * from any entry point; tests set it and reset it with undefined.
 */
export function setPublicUrl(url: string | undefined): void {
  configuredPublicUrl = url;
}

/**
 * The customer's "where is my order" link for {{trackingUrl}}: the public URL + the order's
 * public tracking page (/track/<token>, backed by GET /api/v1/tracking/<token>). Without a public
 * URL no absolute link can be given: the variable is empty and templates leave the sentence out.
 */
export async function trackingUrlFor(tx: TenantScope, orderId: string, publicUrl: string | undefined = configuredPublicUrl): Promise<string> {
  const base = publicUrl?.trim().replace(/\/+$/, '');
  if (!base) return '';
  return `${base}${(await trackingLink(tx, orderId)).url}`;
}
