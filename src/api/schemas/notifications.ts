import { z } from 'zod';
import { listQuery, locale, text, uuid } from './common.js';
import { emailAddress } from '../../app/schemas.js';

export const templateName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _ such as order_shipped');
export const notificationState = z.enum(['queued', 'sending', 'sent', 'failed']);

export const templateParams = z.object({ template: templateName, language: locale });

export const notificationListQuery = z.object({
  orderId: uuid.optional(),
  state: notificationState.optional(),
  ...listQuery,
});

const notificationFields = {
  id: z.string(),
  orderId: z.string().nullable().describe('null: a message that belongs to no order (a user invitation)'),
  template: z.string(),
  language: z.string(),
  channel: z.string(),
  to: z.string(),
  subject: z.string(),
  source: z.enum(['built_in', 'override']),
  state: notificationState,
  attempts: z.number(),
  lastResponse: z.string().nullable().describe("the SMTP server's answer (or the error) of the last attempt"),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
};

export const notificationSummary = z.object(notificationFields).meta({ id: 'NotificationSummary' });
export const notification = z
  .object({ ...notificationFields, text: z.string(), html: z.string() })
  .meta({ id: 'Notification' });

export const templateBody = z
  .object({
    subject: text(300).refine((s) => s.trim().length > 0, 'must not be empty'),
    text: text(20_000).refine((s) => s.trim().length > 0, 'must not be empty'),
    html: text(100_000)
      .nullable()
      .optional()
      .describe('HTML part; when absent it is derived from the text (escaped, links made clickable)'),
  })
  .strict()
  .describe(
    'Variables: {{name}}; sections {{#name}}…{{/name}} (when non-empty) and {{^name}}…{{/name}} (when empty). Values are HTML-escaped in the HTML part.',
  );

export const template = z
  .object({
    template: z.string(),
    language: z.string(),
    source: z.enum(['built_in', 'override']),
    version: z.number().nullable(),
    subject: z.string(),
    text: z.string(),
    html: z.string().nullable(),
  })
  .meta({ id: 'NotificationTemplate' });

export const templateList = z.object({
  variables: z.array(z.string()),
  items: z.array(
    z.object({
      template: z.string(),
      builtIn: z.boolean(),
      languages: z.array(
        z.object({
          language: z.string(),
          source: z.enum(['built_in', 'override', 'missing']),
          version: z.number().nullable(),
          updatedAt: z.string().nullable(),
        }),
      ),
    }),
  ),
});

export const previewBody = z
  .object({
    orderId: uuid,
    language: locale.optional().describe("default: the language the order's customer is written to in"),
    draft: templateBody.optional().describe('render this unsaved template instead of the saved one'),
  })
  .strict();

export const preview = z.object({
  template: z.string(),
  language: z.string(),
  source: z.enum(['built_in', 'override', 'draft']),
  to: z.string().nullable(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
});

export const settingsBody = z
  .object({
    disabled: z.array(templateName).max(200).describe('templates switched off: notify steps using them send nothing'),
    recipients: z
      .partialRecord(z.enum(['order_desk', 'seller', 'approvers']), z.array(emailAddress()).max(20))
      .default({})
      .describe('addresses for notify steps whose `to` is not the customer'),
  })
  .strict();

export const settings = z
  .object({ disabled: z.array(z.string()), recipients: z.record(z.string(), z.array(z.string())), version: z.number() })
  .meta({ id: 'NotificationSettings' });
