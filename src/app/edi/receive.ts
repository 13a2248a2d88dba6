import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { decodeEdifact, looksLikeEdifact } from '../../integrations/edi/edifact.js';
import { looksLikeUbl } from '../../integrations/edi/ubl.js';
import type { EdiDeps } from './ingest-order.js';
import type { ReceiveReport } from './received-interchanges.js';
import { receiveEdifact } from './receive-edifact.js';
import { receiveUbl } from './receive-ubl.js';

/**
 * Receives an EDIFACT interchange or a UBL Order: every message recorded with its outcome,
 * orders made through the normal intake, a CONTRL for every EDIFACT interchange. Anything that
 * is neither is refused (415) before anything is stored.
 */
export async function receiveEdi(deps: EdiDeps, store: TenantScope, body: Buffer): Promise<ReceiveReport> {
  const text = decodeEdifact(body);
  if (looksLikeEdifact(text)) return receiveEdifact(deps, store, text);
  if (looksLikeUbl(text)) return receiveUbl(deps, store, text);
  throw new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    'the body is neither an EDIFACT interchange (UNA/UNB) nor a UBL 2.1 Order (urn:oasis:names:specification:ubl:schema:xsd:Order-2)',
  );
}
