import { sql } from 'kysely';
import { formatMoney, minorUnits } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { TemplateVars } from './render.js';
import type { Language } from './built-in-templates.js';
import { chooseLanguage } from './language.js';
import '../../store/schema-notifications.js';
import '../../store/schema-fulfilment.js';

type Dict = Record<string, unknown>;

/*
 * Intl formatters cost far more to build than to use (each loads its locale's data): one per
 * language and currency, and one date format per language, built on first use and kept (a few
 * languages times the currencies a tenant sells in).
 */
const moneyFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<Language, Intl.DateTimeFormat>();

/** An amount in minor units as money in the language's conventions, exact (no float ever touches it). */
export function formatAmount(units: bigint, currency: string, lang: Language): string {
  const key = `${lang} ${currency}`;
  let nf = moneyFormats.get(key);
  if (!nf) {
    const digits = minorUnits(currency);
    nf = new Intl.NumberFormat(lang, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    moneyFormats.set(key, nf);
  }
  // A decimal string is formatted exactly (Intl.NumberFormat v3), so 17-digit totals keep every digit.
  return nf.format(formatMoney(units, currency) as unknown as number);
}

/** A day in the language's long form (6 grudnia 2026, 6 декабря 2026 г.), as the UTC calendar has it. */
function formatDay(at: Date, lang: Language): string {
  let format = dateFormats.get(lang);
  if (!format) dateFormats.set(lang, (format = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' })));
  return format.format(at);
}

export interface OrderForNotification {
  id: string;
  customerEmail: string | null;
  customerId: string | null;
  language: Language;
  vars: Omit<
    TemplateVars,
    'trackingUrl' | 'lines' | 'total' | 'subtotal' | 'shipping' | 'orderDate' | 'invoiceNumber' | 'invoiceTotal'
  >;
  lines: { name: string; sku: string; quantity: number; total: bigint }[];
  currency: string;
  totals: { subtotal: bigint; shipping: bigint; total: bigint };
  placedAt: Date;
  /** Read with the order when a template was named: the tenant's settings row and its overrides of that template. */
  settings?: NotificationSettingsRow | null;
  overrides?: TemplateOverrideRow[];
}

/** The tenant's notification settings row, as read with the order. */
export interface NotificationSettingsRow {
  disabled: string[];
  recipients: Record<string, string[]>;
  version: number;
}

/** A tenant's override of one template in one language, as read with the order. */
export interface TemplateOverrideRow {
  language: string;
  version: number;
  subject: string;
  body_text: string;
  body_html: string | null;
}

/**
 * Loads what a notification about an order says, and the language to say it in; null when there
 * is no such order. With a template named, the tenant's notification settings and its overrides
 * of that template come in the same statement (the notify step's one read).
 */
export async function loadOrderForNotification(
  tx: TenantScope,
  orderId: string,
  template?: string,
): Promise<OrderForNotification | null> {
  // One statement: the order with its channel, lines, customer, the tenant's name, the pickup
  // location and the latest booking that still counts (ids are UUIDv7: the newest sorts last).
  const found = await tx
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .selectAll('orders')
    .select([
      'channels.settings as channel_settings',
      sql<Array<{ name: string; sku: string; quantity: number; total: string }>>`(select coalesce(json_agg(
          json_build_object('name', l.name, 'sku', l.sku, 'quantity', l.quantity, 'total', l.total::text)
          order by l.line_no), '[]')
        from order_lines l where l.tenant_id = orders.tenant_id and l.order_id = orders.id)`.as('notify_lines'),
      sql<{ name: string; email: string | null; locale: string | null; attributes: Dict | null } | null>`(select
          json_build_object('name', cu.name, 'email', cu.email, 'locale', cu.locale, 'attributes', cu.attributes)
        from customers cu where cu.tenant_id = orders.tenant_id and cu.id = orders.customer_id)`.as('notify_customer'),
      sql<string | null>`(select te.name from tenants te where te.id = orders.tenant_id)`.as('notify_tenant'),
      sql<{
        name: string;
        address: Dict | null;
      } | null>`(select json_build_object('name', lo.name, 'address', lo.address)
        from locations lo where lo.tenant_id = orders.tenant_id and lo.id = orders.pickup_location_id)`.as(
        'notify_pickup',
      ),
      sql<{ carrier: string; tracking_number: string | null } | null>`(select
          json_build_object('carrier', sh.carrier, 'tracking_number', sh.tracking_number)
        from shipments sh where sh.tenant_id = orders.tenant_id and sh.order_id = orders.id and sh.status <> 'cancelled'
        order by sh.id desc limit 1)`.as('notify_shipment'),
      (template === undefined
        ? sql<NotificationSettingsRow | null>`null::json`
        : sql<NotificationSettingsRow | null>`(select json_build_object('disabled', s.disabled, 'recipients', s.recipients,
            'version', s.version) from notification_settings s where s.tenant_id = orders.tenant_id)`
      ).as('notify_settings'),
      (template === undefined
        ? sql<TemplateOverrideRow[]>`'[]'::json`
        : sql<
            TemplateOverrideRow[]
          >`(select coalesce(json_agg(json_build_object('language', t.language, 'version', t.version,
            'subject', t.subject, 'body_text', t.body_text, 'body_html', t.body_html)), '[]')
          from notification_templates t where t.tenant_id = orders.tenant_id and t.template = ${template})`
      ).as('notify_templates'),
    ])
    .where('orders.id', '=', orderId)
    .executeTakeFirst();
  if (!found) return null;
  const {
    notify_lines: lines,
    notify_customer: customer,
    notify_tenant: tenantName,
    notify_pickup: pickup,
    notify_shipment: shipment,
    notify_settings: settings,
    notify_templates: overrides,
    ...row
  } = found;
  const attrs = (row.attributes ?? {}) as Dict;
  const ship = (row.shipping_address ?? {}) as Dict;
  const language = chooseLanguage({
    orderAttributes: attrs,
    customerAttributes: (customer?.attributes ?? {}) as Dict,
    customerLocale: customer?.locale,
    shippingCountry: typeof ship.country === 'string' ? ship.country : null,
    channelSettings: (row.channel_settings ?? {}) as Dict,
  });
  const pickupAddress = (pickup?.address ?? {}) as Dict;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  const delivery = (attrs.delivery ?? {}) as Dict;
  return {
    id: row.id,
    customerId: row.customer_id,
    // The customer's record first (kept up to date), else the address the order came with.
    customerEmail: customer?.email ?? row.customer_email ?? (typeof ship.email === 'string' ? ship.email : null),
    language,
    vars: {
      shopName: tenantName ?? '',
      orderNumber: row.number,
      externalId: row.external_id ?? '',
      customerName: customer?.name ?? row.customer_name ?? str(ship.name),
      currency: row.currency,
      // Ordo's own shipment when there is one; else what the order was given (an integration's attributes, intake's delivery).
      ...(shipment
        ? { trackingNumber: shipment.tracking_number ?? '', carrier: shipment.carrier }
        : {
            trackingNumber: str(attrs.trackingNumber ?? delivery.trackingNumber),
            carrier: str(attrs.carrier ?? delivery.carrier),
          }),
      pickupLocation: pickup
        ? [pickup.name, str(pickupAddress.line1), str(pickupAddress.city)].filter(Boolean).join(', ')
        : '',
      state: row.state,
    },
    lines: lines.map((l) => ({ name: l.name, sku: l.sku, quantity: l.quantity, total: BigInt(l.total) })),
    currency: row.currency,
    totals: { subtotal: BigInt(row.subtotal), shipping: BigInt(row.shipping_total), total: BigInt(row.grand_total) },
    placedAt: new Date(row.placed_at),
    settings,
    overrides,
  };
}

/** The template variables of an order in one language (money, dates and lines formatted for it). */
export function orderVariables(
  orderForNotification: OrderForNotification,
  lang: Language,
  trackingUrl: string,
): TemplateVars {
  const money = (u: bigint) => formatAmount(u, orderForNotification.currency, lang);
  return {
    ...orderForNotification.vars,
    orderDate: formatDay(orderForNotification.placedAt, lang),
    lines: orderForNotification.lines.map((l) => `${l.quantity} × ${l.name} (${l.sku}) — ${money(l.total)}`).join('\n'),
    subtotal: money(orderForNotification.totals.subtotal),
    shipping: money(orderForNotification.totals.shipping),
    total: money(orderForNotification.totals.total),
    trackingUrl,
    // set by the money capability when it sends a document (invoice_issued, credit_note_issued)
    invoiceNumber: '',
    invoiceTotal: '',
  };
}
