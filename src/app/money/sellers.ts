import { sql } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import { writeAudit, type Actor } from '../../store/history.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import type { SellerRow } from './invoice-rows.js';
import '../../store/schema-money.js';

export interface SellerInput {
  name: string;
  taxId?: string | null | undefined;
  kpp?: string | null | undefined;
  address: {
    line1: string;
    line2?: string | undefined;
    city: string;
    postalCode: string;
    country: string;
    regionCode?: string | undefined;
  };
  country: string;
  language?: 'pl' | 'ru' | 'en' | undefined;
  timeZone?: string | undefined;
  bankAccount?: string | null | undefined;
  signer?:
    | { lastName: string; firstName: string; middleName?: string | undefined; position?: string | undefined }
    | null
    | undefined;
  edoId?: string | null | undefined;
  invoiceSeries?: string | undefined;
  creditNoteSeries?: string | undefined;
  proformaSeries?: string | undefined;
  ksef?: boolean | undefined;
  isDefault?: boolean | undefined;
}

export function sellerView(seller: SellerRow) {
  return {
    code: seller.code,
    name: seller.name,
    taxId: seller.tax_id,
    kpp: seller.kpp,
    address: seller.address,
    country: seller.country,
    language: seller.language,
    timeZone: seller.time_zone,
    bankAccount: seller.bank_account,
    signer: seller.signer,
    edoId: seller.edo_id,
    invoiceSeries: seller.invoice_series,
    creditNoteSeries: seller.credit_note_series,
    proformaSeries: seller.proforma_series,
    ksef: seller.ksef,
    isDefault: seller.is_default,
    version: seller.version,
  };
}

/**
 * Creates or replaces a seller (the legal entity on invoices, with its numbering series). One
 * seller is the default; making another the default takes it from the first in the same
 * transaction. Changing a series starts its numbering at 1 for the year (a new series).
 */
export async function putSeller(tx: Work, actor: Actor, now: Date, code: string, input: SellerInput) {
  if (input.isDefault) await tx.updateTable('sellers').set({ is_default: false }).where('code', '!=', code).execute();
  const values = {
    name: input.name,
    tax_id: input.taxId ?? null,
    kpp: input.kpp ?? null,
    address: JSON.stringify(input.address),
    country: input.country,
    language: input.language ?? (input.country === 'RU' ? 'ru' : input.country === 'PL' ? 'pl' : 'en'),
    time_zone: input.timeZone ?? (input.country === 'RU' ? 'Europe/Moscow' : 'Europe/Warsaw'),
    bank_account: input.bankAccount ?? null,
    signer: input.signer ? JSON.stringify(input.signer) : null,
    edo_id: input.edoId ?? null,
    invoice_series: input.invoiceSeries ?? 'FV',
    credit_note_series: input.creditNoteSeries ?? 'KOR',
    proforma_series: input.proformaSeries ?? 'PRO',
    ksef: input.ksef ?? false,
    is_default: input.isDefault ?? false,
    updated_at: now,
  };
  const row = await tx
    .insertInto('sellers', { code, ...values, created_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'code']).doUpdateSet({ ...values, version: sql`sellers.version + 1` }))
    .returningAll()
    .executeTakeFirstOrThrow();
  // The audit log keys entities by UUID: a seller's is derived from its code (stable per tenant).
  await writeAudit(tx, actor, now, {
    entity: 'seller',
    entityId: uuidv5(code, tx.tenantId),
    action: 'seller.saved',
    changes: { code, ...input },
  });
  return sellerView(row);
}

export async function listSellers(scope: TenantScope) {
  return (await scope.selectFrom('sellers').selectAll().orderBy('code').execute()).map(sellerView);
}
