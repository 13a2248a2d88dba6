import { newId } from '../../shared/ids.js';
import type { Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { pickTemplate, renderTemplate } from './templates.js';
import { loadOrderForNotification, orderVariables, type NotificationSettingsRow } from './order-variables.js';
import { trackingUrlFor } from './tracking-link.js';
import type { TemplateVars } from './render.js';
import '../../store/schema-notifications.js';

export interface NotifyRequest {
  orderId: string;
  now: Date;
  template: string;
  /** customer (default), or a role whose addresses are in the tenant's settings (order_desk, seller, approvers). */
  to?: string | undefined;
  /** Public base URL of the server (config.http.publicUrl) for {{trackingUrl}}; absent = no link. */
  publicUrl?: string | undefined;
  /** Variables beyond the order's (a document's number and amount). */
  variables?: Partial<TemplateVars> | undefined;
  /** Documents attached when the message is sent (rendered then, from what is on file). */
  attachments?: Array<{ kind: 'invoice_pdf'; invoiceId: string }> | undefined;
}

export interface NotifyOutcome {
  note: string;
  data: Record<string, unknown>;
}

/**
 * The `notify` action, inside the order's transaction: renders the message now (what the order
 * looked like at this step), stores it as a queued notification and writes a
 * `notification.requested` event to the outbox. Nothing is sent here: the worker's e-mail sink
 * sends after commit. A template switched off, a recipient without an address or an unknown
 * template writes nothing but the returned history note.
 */
export async function requestNotification(tx: Work, req: NotifyRequest): Promise<NotifyOutcome> {
  const to = req.to ?? 'customer';
  const base = { template: req.template, to };
  // One read: the order, the tenant's settings and its overrides of this template.
  const order = await loadOrderForNotification(tx, req.orderId, req.template);
  const settings: Pick<NotificationSettingsRow, 'disabled' | 'recipients'> = order?.settings ?? {
    disabled: [],
    recipients: {},
  };
  if (settings.disabled.includes(req.template)) {
    return {
      note: `notification ${req.template} is switched off for this tenant; nothing sent`,
      data: { notification: { ...base, skipped: 'disabled' } },
    };
  }
  if (!order)
    return {
      note: `order ${req.orderId} not found; nothing sent`,
      data: { notification: { ...base, skipped: 'no_order' } },
    };

  const recipients =
    to === 'customer' ? (order.customerEmail ? [order.customerEmail] : []) : (settings.recipients[to] ?? []);
  if (recipients.length === 0) {
    const why =
      to === 'customer'
        ? 'the customer has no e-mail address'
        : `no e-mail address is set for ${to} in the notification settings`;
    return {
      note: `notification ${req.template} not sent: ${why}`,
      data: { notification: { ...base, skipped: 'no_recipient' } },
    };
  }
  const language = order.language;
  const overrides = order.overrides ?? [];
  const tpl = pickTemplate(req.template, language, overrides) ?? pickTemplate(req.template, 'en', overrides);
  if (!tpl)
    return {
      note: `notification ${req.template} not sent: no such template`,
      data: { notification: { ...base, skipped: 'no_template' } },
    };

  const message = renderTemplate(
    tpl,
    { ...orderVariables(order, tpl.language, await trackingUrlFor(tx, order.id, req.publicUrl)), ...req.variables },
    tpl.language,
  );
  const ids: string[] = [];
  for (const recipient of recipients) {
    const id = newId();
    // sent ahead: nothing waits for its answer (a refusal fails the unit of work)
    void tx.work.sendAhead(
      tx.insertInto('notifications', {
        id,
        order_id: order.id,
        template: req.template,
        language: tpl.language,
        recipient,
        subject: message.subject,
        body_text: message.text,
        body_html: message.html,
        source: tpl.source,
        attachments: JSON.stringify(req.attachments ?? []),
        last_response: null,
        claimed_until: null,
        sent_at: null,
        created_at: req.now,
        updated_at: req.now,
      }),
    );
    await emitEvent(tx, {
      type: 'notification.requested',
      subject: order.id,
      time: req.now,
      payload: {
        notificationId: id,
        orderId: order.id,
        template: req.template,
        language: tpl.language,
        channel: 'email',
        to,
      },
    });
    ids.push(id);
  }
  return {
    note: `notification ${req.template} (${tpl.language}) queued for ${recipients.join(', ')}`,
    data: { notification: { ...base, language: tpl.language, source: tpl.source, ids } },
  };
}
