import type { ColumnType, Generated } from 'kysely';
import type { Json, Timestamp } from './schema.js';

export type NotificationState = 'queued' | 'sending' | 'sent' | 'failed';

export interface NotificationsTable {
  tenant_id: string;
  id: string;
  /** null: a message that belongs to no order (a user's invitation, migration 0033). */
  order_id: string | null;
  /**
   * The SHA-256 hash of the one-time code an invitation e-mail carried (made as it is sent), until
   * the invitation is used; never the code, never shown (migrations 0033, 0035).
   */
  secret: ColumnType<string | null, string | null | undefined, string | null>;
  user_id: ColumnType<string | null, string | null | undefined, string | null>;
  template: string;
  language: string;
  channel: Generated<string>;
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string;
  source: 'built_in' | 'override';
  /** Documents rendered and attached when the message is sent (an invoice PDF). */
  attachments: ColumnType<Array<{ kind: 'invoice_pdf'; invoiceId: string }>, string | undefined, string>;
  state: Generated<NotificationState>;
  attempts: Generated<number>;
  last_response: string | null;
  claimed_until: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  sent_at: Timestamp | null;
}

export interface NotificationTemplatesTable {
  tenant_id: string;
  template: string;
  language: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  version: Generated<number>;
  updated_at: Generated<Date>;
}

export interface NotificationSettingsTable {
  tenant_id: string;
  disabled: Generated<string[]>;
  recipients: Json<Record<string, string[]>>;
  version: Generated<number>;
  updated_at: Generated<Date>;
}

declare module './schema.js' {
  interface DB {
    notifications: NotificationsTable;
    notification_templates: NotificationTemplatesTable;
    notification_settings: NotificationSettingsTable;
  }
}
