import { z } from 'zod';
import { id, time, type EventDefinition } from './event-fields.js';

/** Process events: actions requested of the outside world, tasks, notifications and published definitions. */
export const PROCESS_EVENTS = {
  'action.requested': {
    subject: 'order',
    version: 1,
    description:
      'A process asks an integration to carry out an external action (payment, invoice, ERP, …). The order waits in `state` until the integration posts `results.succeeded` or `results.failed` to POST /orders/{orderId}/events (with `data.requestId`); `waitUntil`, when set, is when the process gives up and takes the failure path.',
    payload: z.looseObject({
      requestId: id,
      orderId: id,
      action: z.string(),
      args: z.record(z.string(), z.unknown()),
      state: z.string(),
      process: z.looseObject({ key: z.string(), version: z.number().int() }),
      results: z.looseObject({ succeeded: z.string(), failed: z.string() }),
      waitUntil: time.nullable(),
    }),
  },
  'task.opened': {
    subject: 'task',
    version: 1,
    description: 'A human task (approval, exception) was opened.',
    payload: z.looseObject({
      taskId: id,
      kind: z.string(),
      orderId: id.nullable().optional(),
      dueAt: time.nullable().optional(),
    }),
  },
  'task.completed': {
    subject: 'task',
    version: 1,
    description: 'A human task was completed.',
    payload: z.looseObject({ taskId: id, kind: z.string(), outcome: z.string(), orderId: id.nullable().optional() }),
  },
  'notification.requested': {
    subject: 'order',
    version: 1,
    description:
      "A customer or staff notification about an order, or a user's invitation, was queued (the e-mail sink sends it; GET /notifications/{id} has the message). An invitation has no order (`orderId` null, the event's subject and `userId` the invited user) and never carries its link.",
    payload: z.looseObject({
      notificationId: id,
      orderId: id.nullable(),
      userId: id.optional(),
      template: z.string(),
      language: z.string(),
      channel: z.string(),
      to: z.string(),
    }),
  },
  'process.published': {
    subject: 'process',
    version: 1,
    description: 'A new version of a process definition was published.',
    payload: z.looseObject({ processKey: z.string(), version: z.number().int() }),
  },
} as const satisfies Record<string, EventDefinition>;
