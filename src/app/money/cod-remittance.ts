import { parse } from 'csv-parse/sync';
import { AppError, type FieldError } from '../../shared/errors.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import { newId } from '../../shared/ids.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { transaction, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { openSideTask } from '../process/side-tasks.js';
import '../../store/schema-money.js';
import '../../store/schema-fulfilment.js';

/**
 * Cash-on-delivery remittances: a carrier's report of the cash it collected and paid over, row by
 * row against tracking numbers. Each row is matched to its shipment's order and the COD payment
 * recorded at delivery: equal → remitted; different, unknown or not a COD order → a discrepancy,
 * and for an order a finance task ("accept the difference" / "claim from the carrier"). COD money
 * collected long enough ago and never remitted opens a task too. A report is imported once per
 * (carrier, reference); a row already remitted by an earlier report is a duplicate.
 */

export interface RemittanceRow {
  trackingNumber: string;
  amount: string;
}

export interface RemittanceInput {
  carrier: string;
  /** The carrier's report number: a second import of it is refused. */
  reference: string;
  currency: string;
  rows: RemittanceRow[];
  fileName?: string | undefined;
  /** COD collected before this many days ago and not remitted opens a task (default 14). */
  missingAfterDays?: number | undefined;
}

const TRACKING = [
  'tracking_number',
  'trackingnumber',
  'tracking',
  'numer przesyłki',
  'nr przesyłki',
  'numer paczki',
  'номер отправления',
  'трек-номер',
  'трек номер',
  'waybill',
  'shipment',
];
const AMOUNT = [
  'amount',
  'cod_amount',
  'kwota',
  'kwota pobrania',
  'pobranie',
  'сумма',
  'сумма наложенного платежа',
  'наложенный платеж',
  'наложенный платёж',
];

/** Rows from a carrier's CSV (comma, semicolon or tab; Polish and Russian headers; decimal commas). */
export function remittanceRowsFromCsv(text: string): RemittanceRow[] {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = [';', '\t', ','].sort((a, b) => first.split(b).length - first.split(a).length)[0]!;
  const records = parse(text.replace(/^\uFEFF/, ''), {
    delimiter,
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
  }) as Array<Record<string, string>>;
  if (records.length === 0) return [];
  const keys = Object.keys(records[0]!);
  const tracking = keys.find((k) => TRACKING.includes(k));
  const amount = keys.find((k) => AMOUNT.includes(k));
  if (!tracking || !amount)
    throw new AppError('REMITTANCE_INVALID', 'the report needs a tracking number column and an amount column', [
      { path: '/header', message: `found ${keys.join(', ')}; expected e.g. tracking_number and amount` },
    ]);
  return records.map((r) => ({ trackingNumber: r[tracking] ?? '', amount: r[amount] ?? '' }));
}

type Outcome = 'matched' | 'difference' | 'unknown_shipment' | 'duplicate' | 'not_cod';

export async function importRemittance(
  tx: Work,
  actor: Actor,
  now: Date,
  input: RemittanceInput,
  onRow?: (done: number, total: number) => void,
) {
  const errors: FieldError[] = [];
  const amounts = input.rows.map((row, index) => {
    const value = parseMoney(row.amount.replace(/\s/g, '').replace(',', '.'), input.currency);
    if (typeof value !== 'bigint' || value < 0n)
      errors.push({ path: `/rows/${index}/amount`, message: `not an amount in ${input.currency}: ${row.amount}` });
    if (!row.trackingNumber.trim()) errors.push({ path: `/rows/${index}/trackingNumber`, message: 'is empty' });
    return typeof value === 'bigint' ? value : 0n;
  });
  if (errors.length)
    throw new AppError(
      'REMITTANCE_INVALID',
      `${errors.length} row(s) of the report are not valid; nothing was imported`,
      errors,
    );
  const existing = await tx
    .selectFrom('cod_remittances')
    .select('id')
    .where('carrier', '=', input.carrier)
    .where('reference', '=', input.reference)
    .executeTakeFirst();
  if (existing)
    throw new AppError('ALREADY_EXISTS', `report ${input.reference} of ${input.carrier} was imported already`, [], {
      remittanceId: existing.id,
    });
  const id = newId();
  const total = amounts.reduce((a, v) => a + v, 0n);
  await tx
    .insertInto('cod_remittances', {
      id,
      carrier: input.carrier,
      reference: input.reference,
      file_name: input.fileName ?? null,
      currency: input.currency,
      total,
      imported_by: JSON.stringify(actor),
      imported_at: now,
    })
    .execute();
  const counts = { matched: 0, difference: 0, unknown_shipment: 0, duplicate: 0, not_cod: 0 } satisfies Record<
    Outcome,
    number
  >;
  const formatAmount = (v: bigint) => formatMoney(v, input.currency);
  for (const [index, row] of input.rows.entries()) {
    const amount = amounts[index]!;
    const tracking = row.trackingNumber.trim();
    const shipment = await tx
      .selectFrom('shipments')
      .select(['id', 'order_id'])
      .where('carrier', '=', input.carrier)
      .where((eb) => eb.or([eb('tracking_number', '=', tracking), eb('carrier_shipment_id', '=', tracking)]))
      .orderBy('id', 'desc')
      .executeTakeFirst();
    let outcome: Outcome;
    let expected: bigint | null = null;
    let paymentId: string | null = null;
    if (!shipment) outcome = 'unknown_shipment';
    else {
      const done = await tx
        .selectFrom('cod_remittance_lines')
        .select('remittance_id')
        .where('shipment_id', '=', shipment.id)
        .where('outcome', 'in', ['matched', 'difference'])
        .executeTakeFirst();
      const cod = await tx
        .selectFrom('payments')
        .selectAll()
        .where('order_id', '=', shipment.order_id)
        .where('method', '=', 'cod')
        .where('status', '!=', 'cancelled')
        .orderBy('id')
        .forUpdate()
        .execute();
      const owed = cod.reduce((a, p) => a + BigInt(p.captured) - BigInt(p.refunded) - BigInt(p.remitted), 0n);
      if (done) outcome = 'duplicate';
      else if (cod.length === 0) outcome = 'not_cod';
      else {
        expected = owed;
        outcome = amount === owed ? 'matched' : 'difference';
        // What the carrier paid over is remitted, matched or not; the payment holding the most takes it.
        const target = cod.reduce((a, p) =>
          BigInt(p.captured) - BigInt(p.remitted) > BigInt(a.captured) - BigInt(a.remitted) ? p : a,
        );
        paymentId = target.id;
        await tx
          .updateTable('payments')
          .set({ remitted: BigInt(target.remitted) + amount, updated_at: now })
          .where('id', '=', target.id)
          .execute();
      }
      await writeHistory(tx, actor, now, [
        {
          orderId: shipment.order_id,
          action: `cod.remittance_${outcome}`,
          changes: {
            remittanceId: id,
            carrier: input.carrier,
            report: input.reference,
            trackingNumber: tracking,
            amount: formatAmount(amount),
            ...(expected !== null ? { expected: formatAmount(expected) } : {}),
          },
        },
      ]);
      if (outcome !== 'matched')
        await openSideTask(tx, actor, now, {
          orderId: shipment.order_id,
          key: `cod:${id}:${index}`,
          kind: 'resolve',
          role: 'finance',
          title:
            outcome === 'difference'
              ? `COD remittance differs: ${input.carrier} paid ${formatAmount(amount)}, expected ${formatAmount(expected ?? 0n)} (report ${input.reference}, ${tracking})`
              : outcome === 'duplicate'
                ? `COD remitted twice: ${input.carrier} report ${input.reference} repeats ${tracking} (${formatAmount(amount)})`
                : `COD remittance for an order not paid on delivery: ${input.carrier} report ${input.reference}, ${tracking} (${formatAmount(amount)})`,
          options: ['accept', 'claim_from_carrier'],
        });
    }
    counts[outcome]++;
    await tx
      .insertInto('cod_remittance_lines', {
        remittance_id: id,
        row_no: index + 1,
        tracking_number: tracking,
        shipment_id: shipment?.id ?? null,
        payment_id: paymentId,
        order_id: shipment?.order_id ?? null,
        amount,
        expected,
        outcome,
      })
      .execute();
    onRow?.(index + 1, input.rows.length);
  }
  const missing = await openMissingRemittanceTasks(
    tx,
    actor,
    now,
    input.carrier,
    input.missingAfterDays ?? 14,
    input.currency,
  );
  await tx
    .updateTable('cod_remittances')
    .set({
      matched: counts.matched,
      differences: counts.difference + counts.duplicate + counts.not_cod,
      unmatched: counts.unknown_shipment,
    })
    .where('id', '=', id)
    .execute();
  return {
    id,
    carrier: input.carrier,
    reference: input.reference,
    total: formatAmount(total),
    rows: input.rows.length,
    ...counts,
    missing,
  };
}

/** COD collected (on this carrier's shipments) more than `days` ago and not remitted in full: one task per payment. */
async function openMissingRemittanceTasks(
  tx: Work,
  actor: Actor,
  now: Date,
  carrier: string,
  days: number,
  currency: string,
) {
  const before = new Date(now.getTime() - days * 86_400_000);
  const rows = await tx
    .selectFrom('payments')
    .innerJoin('shipments', (j) =>
      j.onRef('shipments.tenant_id', '=', 'payments.tenant_id').onRef('shipments.order_id', '=', 'payments.order_id'),
    )
    .select(['payments.id', 'payments.order_id', 'payments.captured', 'payments.remitted', 'shipments.tracking_number'])
    .where('payments.method', '=', 'cod')
    .where('shipments.carrier', '=', carrier)
    .where('payments.updated_at', '<', before)
    .where((eb) => eb('payments.remitted', '<', eb.ref('payments.captured')))
    .execute();
  let opened = 0;
  for (const row of rows) {
    const owed = BigInt(row.captured) - BigInt(row.remitted);
    const task = await openSideTask(tx, actor, now, {
      orderId: row.order_id,
      key: `cod-missing:${row.id}`,
      kind: 'resolve',
      role: 'finance',
      title: `No COD remittance from ${carrier} for ${row.tracking_number ?? 'a shipment'}: ${formatMoney(owed, currency)} collected more than ${days} days ago`,
      options: ['accept', 'claim_from_carrier'],
    });
    if (task) opened++;
  }
  return opened;
}

export async function getRemittance(tx: TenantScope, id: string) {
  const head = await tx.selectFrom('cod_remittances').selectAll().where('id', '=', id).executeTakeFirst();
  if (!head) throw new AppError('NOT_FOUND', `remittance ${id} not found`);
  const lines = await tx
    .selectFrom('cod_remittance_lines')
    .selectAll()
    .where('remittance_id', '=', id)
    .orderBy('row_no')
    .execute();
  const formatAmount = (v: string | null) => (v === null ? null : formatMoney(BigInt(v), head.currency));
  return {
    id: head.id,
    carrier: head.carrier,
    reference: head.reference,
    currency: head.currency,
    total: formatAmount(head.total),
    matched: head.matched,
    differences: head.differences,
    unmatched: head.unmatched,
    importedAt: head.imported_at.toISOString(),
    rows: lines.map((l) => ({
      row: l.row_no,
      trackingNumber: l.tracking_number,
      orderId: l.order_id,
      shipmentId: l.shipment_id,
      amount: formatAmount(l.amount),
      expected: formatAmount(l.expected),
      outcome: l.outcome,
    })),
  };
}

/**
 * A carrier's report file (CSV, or JSON: `[{trackingNumber, amount}]` or `{rows: […]}`) imported
 * in one transaction, as `ordo import cod-remittance` does; `onRow` reports progress.
 */
export async function importRemittanceFile(
  store: TenantScope,
  actor: Actor,
  now: Date,
  input: Omit<RemittanceInput, 'rows'> & { text: string },
  onRow?: (done: number, total: number) => void,
) {
  let rows: RemittanceRow[];
  if (/\.json$/i.test(input.fileName ?? '')) {
    const parsed = JSON.parse(input.text) as unknown;
    const list = (Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown }).rows) as unknown[] | undefined;
    if (!Array.isArray(list))
      throw new AppError('REMITTANCE_INVALID', 'a JSON report is an array of {trackingNumber, amount} or {rows: […]}');
    rows = list.map((item) => {
      const row = (item ?? {}) as Record<string, unknown>;
      return { trackingNumber: String(row.trackingNumber ?? ''), amount: String(row.amount ?? '') };
    });
  } else rows = remittanceRowsFromCsv(input.text);
  const { text: _text, ...rest } = input;
  return transaction(store, (tx) => importRemittance(tx, actor, now, { ...rest, rows }, onRow));
}
