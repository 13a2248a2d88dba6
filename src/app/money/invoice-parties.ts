import { Temporal } from 'temporal-polyfill';
import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { InvoiceParty } from '../../domain/money/invoice-document.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { SellerRow } from './invoice-rows.js';

/** The unit of a piece on a document line, in the seller's language. */
export const UNIT: Record<string, string> = { pl: 'szt.', ru: 'шт', en: 'pcs' };

/** The seller's date now, in its zone: invoices carry dates, and the year numbers them. */
export function localDate(now: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(zone).toPlainDate().toString();
}
export const plusDays = (date: string, days: number) => Temporal.PlainDate.from(date).add({ days }).toString();

/**
 * The seller who issues: the one named (the call's or the order's `attributes.seller`), else one of
 * the buyer's country (a RUB order shipped to Russia is invoiced by the Russian entity), else the
 * default seller.
 */
export async function resolveSeller(scope: TenantScope, code?: string, country?: string): Promise<SellerRow> {
  let seller: SellerRow | undefined;
  if (code) seller = await scope.selectFrom('sellers').selectAll().where('code', '=', code).executeTakeFirst();
  else {
    if (country)
      seller = await scope
        .selectFrom('sellers')
        .selectAll()
        .where('country', '=', country)
        .orderBy('is_default', 'desc')
        .orderBy('code')
        .executeTakeFirst();
    seller ??= await scope.selectFrom('sellers').selectAll().where('is_default', '=', true).executeTakeFirst();
  }
  if (!seller)
    throw new AppError(
      'SELLER_NOT_CONFIGURED',
      code
        ? `seller ${code} is not set up`
        : 'no default seller is set up (PUT /api/v1/sellers/{code} with isDefault: true)',
    );
  return seller;
}

/**
 * The next number of a seller's series in a year, allocated in the issuing transaction: the
 * counter row is locked until it commits, and a rollback takes the number back, so numbers are
 * gap-free and never shared, whatever the concurrency.
 */
export async function nextNumber(scope: TenantScope, seller: string, series: string, year: number): Promise<number> {
  const { rows } = await sql<{ last_no: number }>`
    insert into invoice_counters (tenant_id, seller, series, year, last_no)
    values (${scope.tenantId}, ${seller}, ${series}, ${year}, 1)
    on conflict (tenant_id, seller, series, year) do update set last_no = invoice_counters.last_no + 1
    returning last_no`.execute(scope.conn);
  return rows[0]!.last_no;
}

// An order's address has a free-text `region`; given as a two-digit code ("78") it is the
// region code a Russian address needs on an УПД (orders have no other place to give it).
const regionCodeOf = (a: Record<string, unknown> | null | undefined) =>
  a?.regionCode
    ? String(a.regionCode)
    : typeof a?.region === 'string' && /^\d{2}$/.test(a.region.trim())
      ? a.region.trim()
      : undefined;
const addressOf = (address: Record<string, unknown> | null | undefined, fallbackCountry: string) => {
  const regionCode = regionCodeOf(address);
  return {
    line1: String(address?.line1 ?? ''),
    ...(address?.line2 ? { line2: String(address.line2) } : {}),
    city: String(address?.city ?? ''),
    postalCode: String(address?.postalCode ?? ''),
    countryCode: String(address?.country ?? address?.countryCode ?? fallbackCountry),
    ...(regionCode ? { regionCode } : {}),
  };
};

export function sellerParty(seller: SellerRow): InvoiceParty {
  return {
    name: seller.name,
    ...(seller.tax_id ? { taxId: seller.tax_id } : {}),
    ...(seller.kpp ? { kpp: seller.kpp } : {}),
    address: addressOf(seller.address as Record<string, unknown>, seller.country),
  };
}

export async function buyerParty(scope: TenantScope, orderId: string, country: string): Promise<InvoiceParty> {
  const orderRow = await scope
    .selectFrom('orders')
    .leftJoin('companies', (j) =>
      j.onRef('companies.tenant_id', '=', 'orders.tenant_id').onRef('companies.id', '=', 'orders.company_id'),
    )
    .select([
      'orders.customer_name',
      'orders.customer_email',
      'orders.billing_address',
      'orders.shipping_address',
      'companies.name as company_name',
      'companies.tax_id as company_tax_id',
      'companies.addresses as company_addresses',
    ])
    .where('orders.id', '=', orderId)
    .executeTakeFirstOrThrow();
  const billing = (orderRow.billing_address ?? orderRow.shipping_address) as Record<string, unknown> | null;
  if (orderRow.company_name) {
    const first = ((orderRow.company_addresses as unknown[] | null) ?? [])[0] as Record<string, unknown> | undefined;
    return {
      name: orderRow.company_name,
      ...(orderRow.company_tax_id ? { taxId: orderRow.company_tax_id } : {}),
      address: addressOf(billing ?? first, country),
      ...(orderRow.customer_email ? { email: orderRow.customer_email } : {}),
    };
  }
  return {
    name: String(billing?.company ?? billing?.name ?? orderRow.customer_name ?? ''),
    person: !billing?.company,
    address: addressOf(billing, country),
    ...(orderRow.customer_email ? { email: orderRow.customer_email } : {}),
  };
}
