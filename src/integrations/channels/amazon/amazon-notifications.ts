/**
 * ORDER_CHANGE notifications through the relay (SQS/EventBridge → HTTPS POST): they only say
 * *that* something changed, read here into a buyer's cancellation request, a cancellation, a
 * status change or an ignored event.
 */
import { createHash } from 'node:crypto';
import type { ReceivedEvent, UnreadableItem } from '../types.js';
import { iso } from './amazon-order.js';
import { describeIssues } from '../../describe-issues.js';
import { amazonOrderChangeNotification } from './amazon-schemas.js';

/** Unwraps what a relay may post: the notification itself, an EventBridge event or an SQS message. */
function unwrapNotification(body: unknown): unknown {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (record.detail && typeof record.detail === 'object') return record.detail;
    if (typeof record.Body === 'string') {
      try {
        return JSON.parse(record.Body) as unknown;
      } catch {
        return body;
      }
    }
  }
  return body;
}

export function readOrderChangeNotification(raw: unknown): { events: ReceivedEvent[]; unreadable: UnreadableItem[] } {
  const parsed = amazonOrderChangeNotification.safeParse(unwrapNotification(raw));
  if (!parsed.success)
    return {
      events: [],
      unreadable: [
        {
          dedupeKey: `notification:${createHash('sha256')
            .update(JSON.stringify(raw ?? null))
            .digest('hex')
            .slice(0, 32)}`,
          reason: `not an ORDER_CHANGE notification (${describeIssues(parsed.error.issues)})`,
          raw,
        },
      ],
    };
  const notification = parsed.data;
  const change = notification.Payload.OrderChangeNotification;
  const orderId = change.AmazonOrderId;
  const at = iso(change.OrderChangeTrigger.TimeOfOrderChange) ?? iso(notification.EventTime);
  const base = { raw: notification };
  if (notification.NotificationType !== 'ORDER_CHANGE')
    return {
      events: [
        {
          ...base,
          dedupeKey: `notification:${notification.NotificationMetadata.NotificationId}`,
          event: { type: 'ignored', reason: `${notification.NotificationType} notifications are not read` },
        },
      ],
      unreadable: [],
    };
  if (change.OrderChangeType === 'BuyerRequestedChange') {
    const cancelItems = (change.Summary.OrderItems ?? []).some((item) => item.IsBuyerRequestedCancel === true);
    if (cancelItems || /cancel/i.test(change.OrderChangeTrigger.ChangeReason))
      return {
        events: [
          {
            ...base,
            dedupeKey: `buyer-cancel:${orderId}`,
            event: {
              type: 'cancelled',
              externalId: orderId,
              reason: 'BuyerRequestedCancel',
              reasonText: change.OrderChangeTrigger.ChangeReason,
              ...(at ? { at } : {}),
            },
          },
        ],
        unreadable: [],
      };
  }
  if (change.OrderChangeType === 'OrderStatusChange' && change.Summary.OrderStatus) {
    const status = change.Summary.OrderStatus;
    if (status === 'Canceled')
      return {
        events: [
          {
            ...base,
            dedupeKey: `cancel:${orderId}`,
            event: { type: 'cancelled', externalId: orderId, reason: 'Canceled', ...(at ? { at } : {}) },
          },
        ],
        unreadable: [],
      };
    return {
      events: [
        {
          ...base,
          dedupeKey: `status:${orderId}:${status}:${at ?? notification.NotificationMetadata.NotificationId}`,
          event: { type: 'status', externalId: orderId, status, ...(at ? { at } : {}) },
        },
      ],
      unreadable: [],
    };
  }
  return {
    events: [
      {
        ...base,
        dedupeKey: `notification:${notification.NotificationMetadata.NotificationId}`,
        event: { type: 'ignored', reason: `${change.OrderChangeType}: ${change.OrderChangeTrigger.ChangeReason}` },
      },
    ],
    unreadable: [],
  };
}
