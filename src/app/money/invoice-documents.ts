import { AppError } from '../../shared/errors.js';
import { buildKsefFa3, buildUpd, renderInvoicePdf } from '../../integrations/einvoice/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { reviveDocument, type InvoiceRow } from './invoice-rows.js';

async function invoiceRow(scope: TenantScope, id: string): Promise<InvoiceRow> {
  const row = await scope.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `invoice ${id} not found`);
  return row;
}

/** The invoice as a PDF in the seller's language, with its KSeF number once KSeF gave one. */
export async function invoicePdf(scope: TenantScope, id: string) {
  const row = await invoiceRow(scope, id);
  const { document } = reviveDocument(row.document);
  const data = await renderInvoicePdf(document, {
    createdAt: row.created_at.toISOString(),
    ...(row.ksef_number ? { ksefNumber: row.ksef_number } : {}),
  });
  return { data, fileName: `${row.number.replace(/[^\p{L}\p{N}-]+/gu, '_')}.pdf` };
}

/** The KSeF FA(3) XML of an invoice or credit note (a Polish seller's statutory e-invoice). */
export async function invoiceKsefXml(scope: TenantScope, id: string) {
  const row = await invoiceRow(scope, id);
  const built = buildKsefFa3(reviveDocument(row.document).document, { generatedAt: row.created_at.toISOString() });
  if (!built.ok) throw new AppError('INVOICE_NOT_ALLOWED', built.error.message);
  return { xml: built.value, fileName: `${row.number.replace(/[^\p{L}\p{N}-]+/gu, '_')}.xml` };
}

/** The УПД (ФНС format 5.02, windows-1251) of an invoice of a Russian seller. */
export async function invoiceUpd(scope: TenantScope, id: string) {
  const row = await invoiceRow(scope, id);
  const seller = await scope.selectFrom('sellers').selectAll().where('code', '=', row.seller).executeTakeFirst();
  const { document } = reviveDocument(row.document);
  const signer = (seller?.signer ?? null) as {
    lastName: string;
    firstName: string;
    middleName?: string;
    position?: string;
  } | null;
  if (!signer)
    throw new AppError(
      'SELLER_NOT_CONFIGURED',
      `seller ${row.seller} names no signer for statutory documents (signer)`,
    );
  const built = buildUpd(document, {
    senderId: seller?.edo_id ?? `2BM-${document.seller.taxId ?? ''}`,
    receiverId: `2BM-${document.buyer.taxId ?? ''}`,
    signer,
    fileGuid: row.id,
  });
  if (!built.ok) throw new AppError('INVOICE_NOT_ALLOWED', built.error.message);
  return { bytes: built.value.bytes, fileName: `${built.value.fileId}.xml` };
}
