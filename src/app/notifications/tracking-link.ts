import type { TenantScope } from '../../store/tenant-scope.js';
import { trackingLink } from '../fulfilment/tracking-token.js';

/**
 * The customer's "where is my order" link for {{trackingUrl}}: the public URL (ORDO_PUBLIC_URL,
 * config.http.publicUrl) + the order's
 * public tracking page (/track/<token>, backed by GET /api/v1/tracking/<token>). Without a public
 * URL no absolute link can be given: the variable is empty and templates leave the sentence out.
 */
export async function trackingUrlFor(tx: TenantScope, orderId: string, publicUrl: string | undefined): Promise<string> {
  const base = publicUrl?.trim().replace(/\/+$/, '');
  if (!base) return '';
  return `${base}${(await trackingLink(tx, orderId)).url}`;
}
