/** How long data kept for a legal duty is kept (docs/privacy.md; ORDO_PRIVACY_INVOICE_RETENTION_YEARS). */
export interface PrivacyPolicy {
  /** Years after the end of the calendar year an invoice was issued in (Poland: 5 — Ordynacja podatkowa art. 86 and 70; Russia: 5 — 402-ФЗ art. 29, НК РФ 4). */
  invoiceRetentionYears: number;
}

export const DEFAULT_PRIVACY_POLICY: PrivacyPolicy = { invoiceRetentionYears: 5 };

/** The first day an invoice's buyer may be erased: 1 January of the year after issue, plus the retention years. */
export function invoiceRetainedUntil(issueDate: string, policy: PrivacyPolicy): Date {
  const year = Number(issueDate.slice(0, 4));
  return new Date(Date.UTC(year + 1 + policy.invoiceRetentionYears, 0, 1));
}
