/**
 * Sale mode, 1C sending orders back (orders.xml): per Документ, the Ordo order it names (by Ид,
 * the order id Ordo answered with, or by Номер) hears what 1C did, each document under its own
 * savepoint and in its own log entry:
 * - cancelled in 1C ("Отменен" or "ПометкаУдаления" true): the process's cancel event when it
 *   accepts one now, otherwise a task for the order desk (as a channel's cancellation);
 * - paid ("Дата оплаты" and "Номер оплаты", with or without "по 1С"; "Заказ оплачен"): a payment
 *   recorded through the money capability (captured, no provider of ours, 1C's number as its
 *   reference), once per 1C payment number;
 * - shipped ("Дата отгрузки", "Номер отгрузки"): the `shipped` fact fed to the order's process;
 * - "Статус заказа": kept in the order's history, and fed as the event the connection maps it to
 *   (settings.statusEvents).
 * Lines 1C changed are compared and reported, not applied. An unknown order is a failed entry
 * for that document only.
 */
import { AppError } from '../../shared/errors.js';
import { parseMoney } from '../../shared/money.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { CmlOrderDocument, CmlOrdersFile } from '../../integrations/erp/commerceml/index.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { orderProcessView } from '../process/order-process-view.js';
import { openSideTask } from '../process/side-tasks.js';
import { addPayment } from '../money/payment-commands.js';
import type { OneCConnection } from './onec-connection.js';
import { logExchange } from './exchange-log.js';
import type { IngestionStatus } from '../../store/schema-channels.js';
import '../../store/schema-money.js';

export interface OrderDocumentOutcome {
  document: string;
  orderId: string | null;
  status: IngestionStatus;
  applied: string[];
  reason: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isTrue = (value: string | undefined) => value !== undefined && /^(true|да|1)$/i.test(value.trim());

/** A requisite by any of its names (Bitrix writes "Дата оплаты по 1С", others "Дата оплаты"). */
function requisite(doc: CmlOrderDocument, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = doc.requisites[name] ?? doc.requisites[`${name} по 1С`] ?? doc.requisites[`${name} по 1C`];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

export class Unapplied extends Error {}

async function findOrder(tx: TenantScope, doc: CmlOrderDocument) {
  const select = tx.selectFrom('orders').select(['id', 'number', 'state', 'currency', 'grand_total', 'version']);
  if (UUID.test(doc.id)) {
    const byId = await select.where('id', '=', doc.id).executeTakeFirst();
    if (byId) return byId;
  }
  if (doc.number) return select.where('number', '=', doc.number).executeTakeFirst();
  return undefined;
}

/** Compares 1C's lines with the order's: what differs is reported (1C's edits are not applied). */
async function compareLines(tx: TenantScope, orderId: string, currency: string, doc: CmlOrderDocument) {
  const lines = await tx
    .selectFrom('order_lines')
    .select(['sku', 'quantity', 'unit_price'])
    .where('order_id', '=', orderId)
    .execute();
  const ours = new Map(lines.map((line) => [line.sku, line]));
  const differences: string[] = [];
  for (const line of doc.lines) {
    if (line.kind === 'service') continue;
    const sku = line.article ?? line.id;
    const mine = ours.get(sku) ?? lines.find((l) => l.sku === line.id);
    if (!mine) {
      differences.push(`${sku}: not on the Ordo order`);
      continue;
    }
    if (line.quantity !== null && Number(line.quantity) !== mine.quantity)
      differences.push(`${sku}: quantity ${line.quantity} in 1C, ${mine.quantity} in Ordo`);
    const price =
      line.unitPrice === null
        ? null
        : parseMoney(line.unitPrice.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''), currency);
    if (typeof price === 'bigint' && price !== BigInt(mine.unit_price))
      differences.push(`${sku}: price ${line.unitPrice} in 1C`);
  }
  return differences;
}

export async function applyDocument(
  processes: OrderProcesses,
  tx: Work,
  conn: OneCConnection,
  actor: Actor,
  now: Date,
  doc: CmlOrderDocument,
): Promise<OrderDocumentOutcome> {
  const name = doc.number || doc.id;
  const order = await findOrder(tx, doc);
  if (!order) throw new Unapplied(`no Ordo order with Ид ${doc.id || '—'} or Номер ${doc.number || '—'}`);
  const applied: string[] = [];
  const notes: string[] = [];
  const facts: Record<string, unknown> = {};
  const oneCNumber = requisite(doc, 'Номер');
  if (oneCNumber) facts.number = oneCNumber;
  const status = requisite(doc, 'Статус заказа');
  if (status) facts.status = status;
  if (doc.requisites['Проведен'] !== undefined) facts.posted = isTrue(doc.requisites['Проведен']);
  if (Object.keys(facts).length)
    await writeHistory(tx, actor, now, [{ orderId: order.id, action: 'erp.1c_document', changes: facts }]);

  // cancellation
  if (isTrue(doc.requisites['Отменен']) || isTrue(doc.requisites['ПометкаУдаления'])) {
    if (order.state === 'cancelled') notes.push('already cancelled');
    else {
      const view = await orderProcessView(processes.ops.actions, tx, order.id, {
        state: order.state,
        process_key: null,
        process_version: null,
      });
      const event = ['cancel'].find((e) => view.allowedEvents.includes(e));
      const fed = event
        ? await processes.feed(tx, actor, now, order.id, event, { source: '1c', reason: 'cancelled in 1C' })
        : { accepted: false };
      if (fed.accepted) applied.push('cancelled');
      else {
        await openSideTask(tx, actor, now, {
          orderId: order.id,
          key: `1c-cancel:${order.id}`,
          kind: 'resolve',
          role: 'order_desk',
          title: `1C cancelled order ${order.number} while it is ${order.state}: stop it or arrange a return`,
          options: ['stopped', 'return_arranged', 'reverted_in_1c'],
        });
        applied.push(`cancellation while ${order.state}: a task asks the order desk`);
      }
    }
  }

  // payment
  const paymentNumber = requisite(doc, 'Номер оплаты');
  const paymentDate = requisite(doc, 'Дата оплаты');
  const paidFlag = isTrue(doc.requisites['Заказ оплачен']);
  if (paymentNumber || paymentDate || paidFlag) {
    const key = `1c:${paymentNumber ?? paymentDate ?? 'paid'}`;
    const known = await tx
      .selectFrom('payments')
      .select('id')
      .where('order_id', '=', order.id)
      .where('provider_payment_id', '=', key)
      .executeTakeFirst();
    if (known) notes.push(`payment ${paymentNumber ?? ''} recorded before`.replace('  ', ' '));
    else {
      const amountText = requisite(doc, 'Сумма оплаты');
      let amount: bigint | undefined;
      if (amountText) {
        const parsed = parseMoney(amountText.replace(',', '.'), order.currency);
        if (typeof parsed !== 'bigint') throw new Unapplied(`Сумма оплаты "${amountText}": ${parsed}`);
        amount = parsed;
      }
      try {
        const result = await addPayment(
          { tx, actor, now, processes },
          order.id,
          {
            method: 'transfer',
            status: 'captured',
            providerPaymentId: key,
            reference: `1С: оплата${paymentNumber ? ` № ${paymentNumber}` : ''}${paymentDate ? ` от ${paymentDate}` : ''}`,
            ...(amount !== undefined ? { amount } : {}),
          },
          { providers: new Set() },
        );
        applied.push(`payment ${result.payment.amount} recorded`);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        // a paid order needs nothing more: 1C repeating "paid" is not an error
        if (error.code === 'VALIDATION_FAILED' && !amountText && !paymentNumber) notes.push('already paid');
        else throw new Unapplied(`payment: ${error.message}`);
      }
    }
  }

  // shipment
  const shipmentNumber = requisite(doc, 'Номер отгрузки');
  const shipmentDate = requisite(doc, 'Дата отгрузки');
  if (shipmentNumber || shipmentDate) {
    const fed = await processes.feed(tx, actor, now, order.id, 'shipped', {
      source: '1c',
      ...(shipmentNumber ? { number: shipmentNumber } : {}),
      ...(shipmentDate ? { date: shipmentDate } : {}),
    });
    if (fed.accepted) applied.push(`shipped (${shipmentNumber ?? shipmentDate})`);
    else
      notes.push(
        `shipment ${shipmentNumber ?? shipmentDate} recorded; the process did not await it in state ${order.state}`,
      );
  }

  // status → event the connection maps it to
  if (status) {
    const bare = status.replace(/^\[[^\]]*\]\s*/, '');
    const event = conn.settings.statusEvents[status] ?? conn.settings.statusEvents[bare];
    if (event) {
      const fed = await processes.feed(tx, actor, now, order.id, event, { source: '1c', status });
      if (fed.accepted) applied.push(`status ${status} → ${event}`);
      else notes.push(`status ${status} → ${event} not accepted in state ${order.state}`);
    } else notes.push(`status ${status}`);
  }

  const differences = await compareLines(tx, order.id, order.currency, doc);
  if (differences.length) notes.push(`lines differ (not applied): ${differences.join('; ')}`);
  else if (doc.lines.length) notes.push('lines match');
  return {
    document: name,
    orderId: order.id,
    status: applied.length ? 'updated' : 'ignored',
    applied,
    reason: [...applied, ...notes].join('; ') || null,
  };
}

/** Applies every document of an orders file; each its own savepoint and log entry. */
export async function importOrders(
  processes: OrderProcesses,
  store: TenantScope,
  conn: OneCConnection,
  actor: Actor,
  now: Date,
  file: CmlOrdersFile,
  meta: { filename: string },
): Promise<OrderDocumentOutcome[]> {
  const outcomes: OrderDocumentOutcome[] = [];
  for (const doc of file.documents) {
    const name = doc.number || doc.id;
    let outcome: OrderDocumentOutcome;
    try {
      outcome = await atomically(store, (tx) => applyDocument(processes, tx, conn, actor, now, doc));
    } catch (error) {
      if (!(error instanceof Unapplied)) throw error;
      outcome = { document: name, orderId: null, status: 'failed', applied: [], reason: error.message };
    }
    await logExchange(store, now, {
      connectionId: conn.id,
      via: 'webhook',
      eventType: 'sale.order',
      externalId: name,
      status: outcome.status,
      reason: outcome.reason,
      orderId: outcome.orderId,
      payload: { filename: meta.filename, line: doc.line, document: doc },
    });
    outcomes.push(outcome);
  }
  return outcomes;
}
