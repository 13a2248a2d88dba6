import { newId } from '../../shared/ids.js';
import { transaction, type TenantScope } from '../../store/tenant-scope.js';
import type { StoredEdiProblem, EdiStatus } from '../../store/schema-edi.js';
import { readUblOrder } from '../../integrations/edi/ubl.js';
import { ingestEdiOrder, type EdiDeps } from './ingest-order.js';
import { listPartners, partnerByEndpoint } from './partners.js';
import { ublLocate } from './problems.js';
import { claimInterchange, type ReceivedMessageReport, type ReceiveReport } from './received-interchanges.js';
import '../../store/schema-edi.js';

/** A UBL 2.1 Order: claimed once, its partner found by endpoint or buyer GLN, the order ingested. */
export async function receiveUbl(deps: EdiDeps, store: TenantScope, xml: string): Promise<ReceiveReport> {
  const read = await readUblOrder(xml);
  const partners = await listPartners(store);
  const buyerGln = read.order?.parties.find((p) => p.role === 'BY')?.id;
  const partner = partnerByEndpoint(partners, read.senderEndpoint, buyerGln);
  const id = newId();
  const controlRef = read.documentId ?? id;
  return transaction(store, async (tx) => {
    const now = deps.clock.now();
    const sender = read.senderEndpoint ?? buyerGln ?? 'unknown';
    const fresh = await claimInterchange(tx, {
      id,
      partnerId: partner?.id ?? null,
      syntax: 'ubl',
      type: read.rootName ?? 'unknown',
      controlRef,
      sender,
      recipient: read.receiverEndpoint ?? '',
      content: xml,
      now,
    });
    let problems: StoredEdiProblem[] = [...read.problems];
    const messages: ReceivedMessageReport[] = [];
    if (!fresh)
      problems = [
        { code: '26', message: `document ${controlRef} from ${sender} was received before: nothing created` },
      ];
    else if (!partner)
      problems.unshift({
        code: '23',
        message: `sender ${sender} (endpoint or buyer GLN) is not an EDI partner of this tenant`,
        path: '/Order/BuyerCustomerParty',
      });
    else if (read.order) {
      const order = read.order;
      const result = await ingestEdiOrder(deps, tx, partner, {
        dedupeKey: `ubl:${sender}:${controlRef}`,
        interchangeId: id,
        order,
        raw: xml,
        syntaxProblems: problems,
        locate: ublLocate,
      });
      messages.push({ ref: controlRef, type: 'Order', orderNumber: order.orderNumber, ...result });
      problems = result.problems;
    }
    const created = messages.filter((m) => m.outcome === 'created');
    const status: EdiStatus = !fresh ? 'duplicate' : created.length ? 'accepted' : 'rejected';
    await tx
      .updateTable('edi_messages')
      .set({
        status,
        problems: JSON.stringify(problems),
        order_id: created[0]?.orderId ?? null,
        document_number: read.order?.orderNumber ?? null,
      })
      .where('id', '=', id)
      .execute();
    return {
      id,
      syntax: 'ubl' as const,
      status,
      partnerId: partner?.id ?? null,
      sender,
      controlRef,
      messages,
      problems,
      acknowledgement: null,
    };
  });
}
