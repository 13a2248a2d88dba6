import type { StoredEdiProblem } from '../../store/schema-edi.js';
import type { EdiMessage } from '../../integrations/edi/edifact.js';
import type { EdiOrder } from '../../integrations/edi/documents.js';
import type { Locate } from './map-order.js';

const where = (p: StoredEdiProblem) =>
  [
    p.messageRef ? `message ${p.messageRef}` : null,
    p.segment ? `${p.segment}${p.position !== undefined ? ` (segment ${p.position})` : ''}` : null,
    p.element !== undefined ? `element ${p.element}${p.component !== undefined ? `.${p.component}` : ''}` : null,
    p.rule ?? null,
    p.path ?? null,
  ]
    .filter(Boolean)
    .join(', ');

/** Problems as one line for the ingestion log's reason. */
export const describeProblems = (problems: StoredEdiProblem[]) =>
  problems.map((p) => `${where(p) ? `${where(p)}: ` : ''}${p.message}`).join('; ');

/** Problems as API field errors: the path names the segment and element (or the UBL path). */
export const problemErrors = (problems: StoredEdiProblem[]) =>
  problems.map((p) => ({
    path:
      p.path ??
      `/${[p.messageRef ?? 'interchange', p.segment ?? '', p.position ?? '', p.element ?? '', p.component ?? '']
        .filter((part) => part !== '')
        .join('/')}`,
    message: `${p.code ? `[${p.code}] ` : ''}${p.rule ? `${p.rule}: ` : ''}${p.message}`,
  }));

/** Where a problem of an EDIFACT order points: the NAD, LIN, PRI … segment and element. */
export function edifactLocate(message: EdiMessage, order: EdiOrder): Locate {
  return (what, text) => {
    const base: StoredEdiProblem = { code: '12', message: text, messageRef: message.ref };
    if (what.party) {
      const party = order.parties.find((p) => p.role === what.party);
      return party?.position
        ? { ...base, segment: 'NAD', position: party.position, element: 2, component: 1 }
        : { ...base, code: '13', segment: 'NAD' };
    }
    if (what.line !== undefined) {
      const line = order.lines[what.line];
      if (!line) return base;
      if (what.field === 'price') return { ...base, code: '13', segment: 'LIN', position: line.position };
      return { ...base, segment: 'LIN', position: line.position, element: 3, component: 1 };
    }
    if (what.field === 'currency') return { ...base, code: '13', segment: 'CUX' };
    const bgm = message.segments.findIndex((s) => s.tag === 'BGM');
    return bgm >= 0 ? { ...base, segment: 'BGM', position: bgm + 1, element: 2 } : base;
  };
}

/** Where a problem of a UBL order points (an XPath into the document). */
export const ublLocate: Locate = (what, text) => {
  const base: StoredEdiProblem = { code: '12', message: text };
  if (what.party)
    return {
      ...base,
      path:
        what.party === 'SU'
          ? '/Order/SellerSupplierParty/Party/EndpointID'
          : what.party === 'BY'
            ? '/Order/BuyerCustomerParty/Party/EndpointID'
            : '/Order/Delivery/DeliveryLocation/ID',
    };
  if (what.line !== undefined)
    return {
      ...base,
      path: `/Order/OrderLine[${what.line + 1}]/LineItem${what.field === 'price' ? '/Price/PriceAmount' : what.field === 'item' ? '/Item' : ''}`,
    };
  if (what.field === 'currency') return { ...base, path: '/Order/DocumentCurrencyCode' };
  return { ...base, path: '/Order/ID' };
};
