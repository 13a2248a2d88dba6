import type { TenantScope } from '../../store/tenant-scope.js';
import { findSubject, type SubjectRef } from './find-subject.js';
import { PLACES, rowsOf } from './places.js';

export const EXPORT_FORMAT = 'ordo.personal-data/1';

export interface PersonalDataExport {
  format: string;
  generatedAt: string;
  subject: {
    customerIds: string[];
    emails: string[];
    phones: string[];
    orderIds: string[];
    erasures: Array<{ id: string; at: string }>;
  };
  /** table → the subject's rows as stored (column names as in the database; binary documents left out). */
  data: Record<string, Array<Record<string, unknown>>>;
}

/**
 * Everything held about a data subject (GDPR art. 15 and 20, 152-ФЗ art. 14), machine readable:
 * the rows of every place of places.ts that belong to the subject — the same list erasure walks.
 * A read: nothing is written, and the answer is not stored (no idempotency record).
 */
export async function exportPersonalData(store: TenantScope, now: Date, ref: SubjectRef): Promise<PersonalDataExport> {
  const subject = await findSubject(store, ref);
  const data: PersonalDataExport['data'] = {};
  for (const place of PLACES) {
    const rows = await rowsOf(store.conn, store.tenantId, place, subject);
    if (rows.length === 0) continue;
    data[place.table] = rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(row)) {
        if (column === 'tenant_id' || place.omit?.includes(column)) continue;
        out[column] =
          value instanceof Date
            ? value.toISOString()
            : Buffer.isBuffer(value) || value instanceof Uint8Array
              ? undefined
              : value;
      }
      return out;
    });
  }
  return {
    format: EXPORT_FORMAT,
    generatedAt: now.toISOString(),
    subject: {
      customerIds: subject.customerIds,
      emails: subject.emails,
      phones: subject.phones,
      orderIds: subject.orderIds,
      erasures: subject.previous.map((p) => ({ id: p.id, at: new Date(p.at).toISOString() })),
    },
    data,
  };
}
