/**
 * EANCOM / D96A message mapping, ours: ORDERS in (to the partner-neutral EdiOrder), ORDRSP,
 * DESADV and INVOIC out (from partner-neutral documents). Syntax lives in edifact.ts.
 */
import { ediDecimal, value, type EdiMessage, type EdiProblem, type Segment } from './edifact.js';
import type { OutSegment } from './edifact-write.js';
import type { EdiOrder, EdiParty, OrderResponseDoc, DespatchDoc, InvoiceDoc } from './documents.js';

const problemAt = (message: EdiMessage, segment: Segment, e: number | undefined, c: number | undefined, text: string) =>
  ({
    code: '12',
    message: text,
    messageRef: message.ref,
    segment: segment.tag,
    position: message.segments.indexOf(segment) + 1,
    ...(e !== undefined ? { element: e } : {}),
    ...(c !== undefined ? { component: c } : {}),
  }) satisfies EdiProblem;

function ediDate(segment: Segment | undefined): string | undefined {
  const raw = value(segment, 1, 2);
  const format = value(segment, 1, 3) || '102';
  if (format === '102' && /^\d{8}$/.test(raw)) return `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}`;
  if (format === '203' && /^\d{12}$/.test(raw))
    return `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}T${raw.slice(8, 10)}:${raw.slice(10, 12)}:00Z`;
  return undefined;
}

function party(nad: Segment): EdiParty {
  const street = nad.elements[4]?.filter(Boolean).join(' ');
  const name = [...(nad.elements[3] ?? []), ...(nad.elements[2] ?? [])].filter(Boolean).join(' ');
  return {
    role: value(nad, 1),
    id: value(nad, 2, 1),
    agency: value(nad, 2, 3),
    ...(name ? { name } : {}),
    ...(street ? { street } : {}),
    ...(value(nad, 6) ? { city: value(nad, 6) } : {}),
    ...(value(nad, 8) ? { postalCode: value(nad, 8) } : {}),
    ...(value(nad, 9) ? { country: value(nad, 9) } : {}),
  };
}

/** Reads one ORDERS message. Problems name the segment (position in the message) and element. */
export function readOrders(message: EdiMessage): { order: EdiOrder; problems: EdiProblem[] } {
  const problems: EdiProblem[] = [];
  const order: EdiOrder = {
    messageRef: message.ref,
    orderNumber: '',
    parties: [],
    lines: [],
    notes: [],
  };
  let line: EdiOrder['lines'][number] | null = null;
  let bgm: Segment | undefined;
  for (const segment of message.segments) {
    switch (segment.tag) {
      case 'BGM':
        bgm = segment;
        order.orderNumber = value(segment, 2, 1);
        order.documentCode = value(segment, 1, 1);
        order.function = value(segment, 3, 1);
        break;
      case 'DTM': {
        const date = ediDate(segment);
        const qualifier = value(segment, 1, 1);
        if (!date && qualifier !== '134') problems.push(problemAt(message, segment, 1, 2, 'the date cannot be read'));
        if (line) {
          if (qualifier === '2' && date) line.deliveryDate = date;
        } else if (qualifier === '137') order.documentDate = date;
        else if (qualifier === '2' || qualifier === '64' || qualifier === '69') order.deliveryDate = date;
        break;
      }
      case 'FTX':
        if (!line) order.notes.push([...(segment.elements[3] ?? [])].filter(Boolean).join(' '));
        break;
      case 'RFF':
        if (!line && !order.parties.length && value(segment, 1, 1) === 'CT') order.contract = value(segment, 1, 2);
        break;
      case 'NAD':
        if (!line) order.parties.push({ ...party(segment), position: message.segments.indexOf(segment) + 1 });
        break;
      case 'CUX':
        if (value(segment, 1, 1) === '2') order.currency = value(segment, 1, 2);
        break;
      case 'LIN': {
        const lineNo = value(segment, 1);
        line = { lineNo, quantity: 0, position: message.segments.indexOf(segment) + 1 };
        const id = value(segment, 3, 1);
        const type = value(segment, 3, 2);
        if (id) {
          if (type === 'EN' || type === 'SRV' || type === 'UP' || type === '') line.gtin = id;
          else if (type === 'SA') line.supplierArticle = id;
          else if (type === 'IN' || type === 'BP') line.buyerArticle = id;
        }
        order.lines.push(line);
        break;
      }
      case 'PIA':
        if (line)
          for (const component of segment.elements.slice(1)) {
            const [id, type] = component;
            if (!id) continue;
            if (type === 'SA') line.supplierArticle ??= id;
            else if (type === 'IN' || type === 'BP') line.buyerArticle ??= id;
            else if (type === 'EN' || type === 'SRV') line.gtin ??= id;
          }
        break;
      case 'IMD':
        if (line && !line.description) {
          const text = [value(segment, 3, 4), value(segment, 3, 5)].filter(Boolean).join(' ');
          if (text) line.description = text;
        }
        break;
      case 'QTY':
        if (line && value(segment, 1, 1) === '21') {
          const quantity = ediDecimal(value(segment, 1, 2));
          if (quantity === null || !/^\d+$/.test(quantity) || Number(quantity) < 1 || Number(quantity) > 1_000_000)
            problems.push(problemAt(message, segment, 1, 2, 'the ordered quantity is not a whole number of units'));
          else line.quantity = Number(quantity);
          if (value(segment, 1, 3)) line.unit = value(segment, 1, 3);
        }
        break;
      case 'PRI':
        if (line && (value(segment, 1, 1) === 'AAA' || value(segment, 1, 1) === 'AAB') && !line.unitPrice) {
          const price = ediDecimal(value(segment, 1, 2));
          const basis = value(segment, 1, 5);
          if (price === null) problems.push(problemAt(message, segment, 1, 2, 'the price is not a number'));
          else if (basis && ediDecimal(basis) !== '1')
            problems.push(
              problemAt(message, segment, 1, 5, `a price per ${basis} units is not supported: send the unit price`),
            );
          else {
            line.unitPrice = price;
            line.priceIsNet = value(segment, 1, 1) === 'AAA';
          }
        }
        break;
      case 'TAX':
        if (line && value(segment, 2, 1) === 'VAT') {
          const rate = ediDecimal(value(segment, 5, 4));
          if (rate !== null) line.taxRate = rate;
        }
        break;
      case 'UNS':
        line = null;
        break;
    }
  }
  if (!bgm || !order.orderNumber)
    problems.push({
      code: '13',
      message: 'BGM with the order number (element 2) is missing',
      messageRef: message.ref,
      segment: 'BGM',
      ...(bgm ? { position: message.segments.indexOf(bgm) + 1, element: 2 } : {}),
    });
  if (!order.lines.length)
    problems.push({ code: '13', message: 'the order has no LIN', messageRef: message.ref, segment: 'LIN' });
  for (const line of order.lines)
    if (line.quantity === 0 && !problems.some((p) => p.segment === 'QTY'))
      problems.push({
        code: '13',
        message: `line ${line.lineNo} has no ordered quantity (QTY+21)`,
        messageRef: message.ref,
        segment: 'LIN',
        position: line.position,
      });
  return { order, problems };
}

const date102 = (iso: string) => iso.slice(0, 10).replaceAll('-', '');
const nad = (role: string, gln: string | undefined, name?: string): OutSegment =>
  gln ? ['NAD', role, [gln, '', '9']] : ['NAD', role, undefined, undefined, name ?? ''];

/** ORDRSP (EANCOM D96A): 29 accepted without change, 4 changed (lines with what changed), 27 refused. */
export function ordrspBody(doc: OrderResponseDoc): OutSegment[] {
  const changed = doc.lines.some((l) => l.status !== 'accepted');
  const code = doc.status === 'rejected' ? '27' : changed ? '4' : '29';
  const body: OutSegment[] = [
    ['BGM', '231', doc.number, code],
    ['DTM', ['137', date102(doc.issuedAt), '102']],
    ['RFF', ['ON', doc.orderNumber]],
    ...(doc.orderDate ? [['DTM', ['171', date102(doc.orderDate), '102']] as OutSegment] : []),
    nad('BY', doc.buyerGln, doc.buyerName),
    nad('SU', doc.supplierGln, doc.supplierName),
  ];
  if (doc.currency) body.push(['CUX', ['2', doc.currency, '9']]);
  doc.lines.forEach((line, index) => {
    // 1A/5 accepted … in EANCOM: 5 = accepted without amendment, 3 = changed, 7 = not accepted
    const action = line.status === 'accepted' ? '5' : line.status === 'rejected' ? '7' : '3';
    body.push(['LIN', String(index + 1), action, line.gtin ? [line.gtin, 'SRV'] : undefined]);
    body.push(['PIA', '5', [line.sku, 'SA']]);
    if (line.buyerArticle) body.push(['PIA', '1', [line.buyerArticle, 'IN']]);
    body.push(['QTY', ['21', String(line.orderedQuantity)]]);
    if (line.status !== 'rejected') body.push(['QTY', ['113', String(line.confirmedQuantity)]]);
    if (line.backorderedQuantity > 0) body.push(['QTY', ['83', String(line.backorderedQuantity)]]);
    if (line.unitPrice) body.push(['PRI', ['AAA', line.unitPrice]]);
  });
  body.push(['UNS', 'S'], ['CNT', ['2', String(doc.lines.length)]]);
  return body;
}

/** DESADV (EANCOM D96A): one consignment, a CPS per package with its SSCC, lines under it. */
export function desadvBody(doc: DespatchDoc): OutSegment[] {
  const body: OutSegment[] = [
    ['BGM', '351', doc.number, '9'],
    ['DTM', ['137', date102(doc.issuedAt), '102']],
    ['DTM', ['11', date102(doc.shippedAt), '102']],
    ['RFF', ['ON', doc.orderNumber]],
    nad('SU', doc.supplierGln, doc.supplierName),
    nad('BY', doc.buyerGln, doc.buyerName),
  ];
  if (doc.deliveryGln) body.push(nad('DP', doc.deliveryGln));
  if (doc.carrier || doc.trackingNumber)
    body.push(['TDT', '20', doc.trackingNumber ?? '', undefined, undefined, [doc.carrier ?? '']]);
  body.push(['CPS', '1']);
  let cps = 1;
  const packages = doc.packages.length ? doc.packages : [{ sscc: undefined, lines: doc.lines.map((_, i) => i) }];
  let lineNo = 0;
  for (const pack of packages) {
    cps++;
    body.push(['CPS', String(cps), '1'], ['PAC', '1', undefined, ['201', '', '9']]);
    if (pack.sscc) body.push(['PCI', '33E'], ['GIN', 'BJ', pack.sscc]);
    for (const index of pack.lines) {
      const line = doc.lines[index]!;
      lineNo++;
      body.push(['LIN', String(lineNo), undefined, line.gtin ? [line.gtin, 'SRV'] : undefined]);
      body.push(['PIA', '5', [line.sku, 'SA']]);
      body.push(['QTY', ['12', String(line.quantity)]]);
    }
  }
  body.push(['CNT', ['2', String(lineNo)]]);
  return body;
}

/** INVOIC (EANCOM D96A): lines with net amounts and VAT, totals (MOA 77 payable, 79 lines, 124 tax). */
export function invoicBody(doc: InvoiceDoc): OutSegment[] {
  const body: OutSegment[] = [
    ['BGM', doc.kind === 'credit_note' ? '381' : '380', doc.number, '9'],
    ['DTM', ['137', date102(doc.issueDate), '102']],
    ...(doc.dueDate ? [['DTM', ['13', date102(doc.dueDate), '102']] as OutSegment] : []),
    ['RFF', ['ON', doc.orderNumber]],
    nad('SU', doc.supplierGln, doc.supplierName),
    nad('BY', doc.buyerGln, doc.buyerName),
    ['CUX', ['2', doc.currency, '4']],
  ];
  doc.lines.forEach((line, index) => {
    body.push(['LIN', String(index + 1), undefined, line.gtin ? [line.gtin, 'SRV'] : undefined]);
    body.push(['PIA', '5', [line.sku, 'SA']]);
    if (line.name) body.push(['IMD', 'F', undefined, ['', '', '', line.name.slice(0, 35)]]);
    body.push(['QTY', ['47', String(line.quantity)]]);
    body.push(['MOA', ['203', line.net]]);
    body.push(['PRI', ['AAA', line.unitNet]]);
    body.push(['TAX', '7', 'VAT', undefined, undefined, ['', '', '', line.taxRate], 'S']);
  });
  body.push(
    ['UNS', 'S'],
    ['CNT', ['2', String(doc.lines.length)]],
    ['MOA', ['77', doc.gross]],
    ['MOA', ['79', doc.net]],
    ['MOA', ['124', doc.vat]],
  );
  return body;
}
