import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestApp } from '../support.js';

// A clone has shared/ one level up, a worktree under wt/ two.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** ../shared/fixtures/external (licences "none stated" / LGPL: read in place, never copied). */
export const EXTERNAL = ['../shared', '../../shared']
  .map((p) => resolve(REPO_ROOT, p, 'fixtures/external'))
  .find((p) => existsSync(p));
export const FIXTURES_SKIP = 'the EDI fixtures (../shared/fixtures/external/edifact, ubl-peppol) are absent';

export const fixture = (path: string) => readFileSync(resolve(EXTERNAL!, path));

export async function post(t: TestApp, body: Buffer | string, contentType = 'application/EDIFACT') {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/edi/messages',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': contentType },
    payload: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

export async function ok(t: TestApp, method: string, url: string, body?: unknown, status = 200) {
  const r = await t.call(method, url, body);
  if (r.status !== status) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The EdiFabric sample ORDERS partner: SENDER1 → RECEIVER1; buyer 5412345000013, supplier (us) 4012345500004. */
export function edifabricPartner(over: Record<string, unknown> = {}) {
  return {
    channel: 'edi-acme',
    syntax: 'edifact',
    settings: {
      name: 'ACME Retail',
      ourGln: '4012345500004',
      buyers: [
        {
          gln: '5412345000013',
          customer: 'C-1',
          address: { name: 'ACME DC Brussels', line1: 'Rue de la Loi 1', city: 'Bruxelles', country: 'BE' },
        },
      ],
      interchange: { partnerId: 'SENDER1', ourId: 'RECEIVER1' },
      send: { orderResponse: true, despatchAdvice: true, invoice: true },
      ...over,
    },
    articles: [{ partnerArticle: 'ABC1234', sku: 'SKU-2' }],
  };
}
