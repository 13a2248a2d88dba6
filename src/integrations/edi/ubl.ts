/**
 * UBL 2.1 / Peppol BIS 3 ordering: Order (T01) in, Order Response (T76) and Despatch Advice
 * (T16) out. Reading uses fontoxpath over slimdom (XPath with the UBL namespaces); writing uses
 * xmlbuilder2. The Peppol rules themselves (schematron) are run by schematron.ts.
 */
import * as slimdom from 'slimdom';
import type { Node } from 'slimdom';
import { createXml } from '../xml-builder.js';
import type { EdiOrder, EdiParty, OrderResponseDoc, DespatchDoc } from './documents.js';
import type { EdiProblem } from './edifact.js';
import { evaluateXPathToNodes, evaluateXPathToString } from './xpath.js';

export const UBL_NS = {
  order: 'urn:oasis:names:specification:ubl:schema:xsd:Order-2',
  orderResponse: 'urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2',
  despatchAdvice: 'urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};

const resolver = (prefix: string | null) =>
  prefix === 'cac' ? UBL_NS.cac : prefix === 'cbc' ? UBL_NS.cbc : prefix === 'ubl' ? UBL_NS.order : null;

/** Whether the text is a UBL document Ordo reads: root element Order in the UBL Order namespace. */
export function looksLikeUbl(text: string): boolean {
  const head = text.slice(0, 4096);
  return /<(\w+:)?Order[\s>]/.test(head) && head.includes(UBL_NS.order);
}

const str = (node: Node, path: string) =>
  evaluateXPathToString(path, node, null, {}, { namespaceResolver: resolver }).trim();

/** A decimal without trailing zeros after the point ("50.000" → "50"). */
function decimal(text: string): string | null {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return null;
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function party(node: Node | undefined, role: string): EdiParty | undefined {
  if (!node) return undefined;
  const gln =
    str(node, "cac:PartyIdentification/cbc:ID[@schemeID = '0088'][1]") ||
    str(node, "cbc:EndpointID[@schemeID = '0088']") ||
    str(node, 'cac:PartyIdentification/cbc:ID[1]');
  const street = [
    str(node, 'cac:PostalAddress/cbc:StreetName'),
    str(node, 'cac:PostalAddress/cbc:AdditionalStreetName'),
  ]
    .filter(Boolean)
    .join(', ');
  const name = str(node, 'cac:PartyName/cbc:Name') || str(node, 'cac:PartyLegalEntity/cbc:RegistrationName');
  const city = str(node, 'cac:PostalAddress/cbc:CityName');
  const postalCode = str(node, 'cac:PostalAddress/cbc:PostalZone');
  const country = str(node, 'cac:PostalAddress/cac:Country/cbc:IdentificationCode');
  return {
    role,
    id: gln,
    ...(name ? { name } : {}),
    ...(street ? { street } : {}),
    ...(city ? { city } : {}),
    ...(postalCode ? { postalCode } : {}),
    ...(country ? { country } : {}),
  };
}

export interface UblOrderRead {
  rootName: string | null;
  documentId: string | null;
  senderEndpoint: string | undefined;
  receiverEndpoint: string | undefined;
  order: EdiOrder | null;
  problems: (EdiProblem & { path?: string; rule?: string })[];
}

/** Reads a UBL Order into the partner-neutral order; problems carry an XPath. */
export async function readUblOrder(xml: string): Promise<UblOrderRead> {
  let document: slimdom.Document;
  try {
    document = slimdom.parseXmlDocument(xml);
  } catch (error) {
    return {
      rootName: null,
      documentId: null,
      senderEndpoint: undefined,
      receiverEndpoint: undefined,
      order: null,
      problems: [{ code: '12', message: `not well-formed XML: ${(error as Error).message.split('\n')[0]}`, path: '/' }],
    };
  }
  const root = document.documentElement!;
  const endpoint = (path: string) => {
    const id = str(root, `${path}/cbc:EndpointID`);
    const scheme = str(root, `${path}/cbc:EndpointID/@schemeID`);
    return id ? `${scheme}:${id}` : undefined;
  };
  const base = {
    rootName: root.localName,
    documentId: str(root, 'cbc:ID') || null,
    senderEndpoint: endpoint('cac:BuyerCustomerParty/cac:Party'),
    receiverEndpoint: endpoint('cac:SellerSupplierParty/cac:Party'),
  };
  if (root.localName !== 'Order' || root.namespaceURI !== UBL_NS.order)
    return {
      ...base,
      order: null,
      problems: [{ code: '31', message: `${root.localName} is not a document Ordo receives (UBL Order)`, path: '/' }],
    };
  const problems: UblOrderRead['problems'] = [];
  const customization = str(root, 'cbc:CustomizationID');
  if (customization && !customization.startsWith('urn:fdc:peppol.eu:poacc:trns:order:3'))
    problems.push({
      code: '12',
      rule: 'PEPPOL-T01-R032',
      message: "Specification identifier SHALL start with 'urn:fdc:peppol.eu:poacc:trns:order:3'",
      path: '/Order/CustomizationID',
    });
  const parties = [
    party(
      evaluateXPathToNodes(
        'cac:BuyerCustomerParty/cac:Party',
        root,
        null,
        {},
        { namespaceResolver: resolver },
      )[0] as Node,
      'BY',
    ),
    party(
      evaluateXPathToNodes(
        'cac:SellerSupplierParty/cac:Party',
        root,
        null,
        {},
        { namespaceResolver: resolver },
      )[0] as Node,
      'SU',
    ),
  ].filter((p): p is EdiParty => p !== undefined);
  const deliveryId = str(root, 'cac:Delivery/cac:DeliveryLocation/cbc:ID');
  if (deliveryId) {
    const street = [
      str(root, 'cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:StreetName'),
      str(root, 'cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:AdditionalStreetName'),
    ]
      .filter(Boolean)
      .join(', ');
    parties.push({
      role: 'DP',
      id: deliveryId,
      name: str(root, 'cac:Delivery/cac:DeliveryParty/cac:PartyName/cbc:Name') || deliveryId,
      ...(street ? { street } : {}),
      city: str(root, 'cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:CityName'),
      postalCode: str(root, 'cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:PostalZone'),
      country: str(root, 'cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode'),
    });
  }
  const lineNodes = evaluateXPathToNodes(
    'cac:OrderLine/cac:LineItem',
    root,
    null,
    {},
    {
      namespaceResolver: resolver,
    },
  ) as Node[];
  const lines = lineNodes.map((item, index) => {
    const quantityText = str(item, 'cbc:Quantity');
    const quantity = decimal(quantityText);
    if (quantity === null || !/^\d+$/.test(quantity) || Number(quantity) < 1)
      problems.push({
        code: '12',
        message: `line ${str(item, 'cbc:ID')}: quantity "${quantityText}" is not a whole number of units`,
        path: `/Order/OrderLine[${index + 1}]/LineItem/Quantity`,
      });
    const priceText = str(item, 'cac:Price/cbc:PriceAmount');
    const baseQuantity = str(item, 'cac:Price/cbc:BaseQuantity');
    const price = priceText ? decimal(priceText) : undefined;
    if (price === null)
      problems.push({
        code: '12',
        message: `line ${str(item, 'cbc:ID')}: price "${priceText}" is not a number`,
        path: `/Order/OrderLine[${index + 1}]/LineItem/Price/PriceAmount`,
      });
    if (baseQuantity && decimal(baseQuantity) !== '1')
      problems.push({
        code: '12',
        message: `line ${str(item, 'cbc:ID')}: a price per ${baseQuantity} units is not supported: send the unit price`,
        path: `/Order/OrderLine[${index + 1}]/LineItem/Price/BaseQuantity`,
      });
    const gtin =
      str(item, "cac:Item/cac:StandardItemIdentification/cbc:ID[@schemeID = '0160']") ||
      str(item, 'cac:Item/cac:StandardItemIdentification/cbc:ID');
    const seller = str(item, 'cac:Item/cac:SellersItemIdentification/cbc:ID');
    const buyer = str(item, 'cac:Item/cac:BuyersItemIdentification/cbc:ID');
    const name = str(item, 'cac:Item/cbc:Name');
    const taxRate = str(item, 'cac:Item/cac:ClassifiedTaxCategory/cbc:Percent');
    return {
      lineNo: str(item, 'cbc:ID') || String(index + 1),
      position: index + 1,
      quantity: quantity && /^\d+$/.test(quantity) ? Number(quantity) : 0,
      ...(gtin ? { gtin } : {}),
      ...(seller ? { supplierArticle: seller } : {}),
      ...(buyer ? { buyerArticle: buyer } : {}),
      ...(name ? { description: name } : {}),
      ...(price ? { unitPrice: price, priceIsNet: true } : {}),
      ...(taxRate && decimal(taxRate) ? { taxRate: decimal(taxRate)! } : {}),
      ...(str(item, 'cbc:Quantity/@unitCode') ? { unit: str(item, 'cbc:Quantity/@unitCode') } : {}),
    };
  });
  if (!lines.length) problems.push({ code: '13', message: 'the order has no OrderLine', path: '/Order/OrderLine' });
  const orderNumber = str(root, 'cbc:ID');
  if (!orderNumber) problems.push({ code: '13', message: 'the order has no ID', path: '/Order/ID' });
  const notes = (evaluateXPathToNodes('cbc:Note', root, null, {}, { namespaceResolver: resolver }) as Node[])
    .map((n) => (n.textContent ?? '').trim())
    .filter(Boolean);
  const issueDate = str(root, 'cbc:IssueDate');
  const deliveryStart = str(root, 'cac:Delivery/cac:RequestedDeliveryPeriod/cbc:StartDate');
  const currency = str(root, 'cbc:DocumentCurrencyCode');
  return {
    ...base,
    order: {
      messageRef: orderNumber,
      orderNumber,
      ...(issueDate ? { documentDate: issueDate } : {}),
      ...(deliveryStart ? { deliveryDate: deliveryStart } : {}),
      ...(currency ? { currency } : {}),
      parties,
      lines,
      notes,
    },
    problems,
  };
}

type Endpoint = { scheme: string; id: string };
const splitEndpoint = (value: string | undefined): Endpoint | undefined => {
  if (!value) return undefined;
  const at = value.indexOf(':');
  return { scheme: value.slice(0, at), id: value.slice(at + 1) };
};

function addParty(
  parent: ReturnType<typeof createXml>,
  element: string,
  who: { endpoint?: string | undefined; gln?: string | undefined; name?: string | undefined },
) {
  const party = parent.ele(`cac:${element}`).ele('cac:Party');
  const endpoint = splitEndpoint(who.endpoint);
  if (endpoint) party.ele('cbc:EndpointID', { schemeID: endpoint.scheme }).txt(endpoint.id);
  if (who.gln) party.ele('cac:PartyIdentification').ele('cbc:ID', { schemeID: '0088' }).txt(who.gln);
  if (who.name) party.ele('cac:PartyLegalEntity').ele('cbc:RegistrationName').txt(who.name);
}

/**
 * Peppol Order Response (T76): AP accepted as ordered (no lines, rule R008), CA accepted with
 * changes (lines with what changed: confirmed and backordered quantities), RE rejected.
 */
export function orderResponseXml(
  doc: OrderResponseDoc,
  endpoints: { buyer?: string | undefined; seller?: string | undefined },
): string {
  const code = doc.status === 'rejected' ? 'RE' : doc.lines.some((l) => l.status !== 'accepted') ? 'CA' : 'AP';
  const root = createXml({ version: '1.0', encoding: 'UTF-8' }).ele(UBL_NS.orderResponse, 'OrderResponse', {
    'xmlns:cac': UBL_NS.cac,
    'xmlns:cbc': UBL_NS.cbc,
  });
  root.ele('cbc:CustomizationID').txt('urn:fdc:peppol.eu:poacc:trns:order_response:3');
  root.ele('cbc:ProfileID').txt('urn:fdc:peppol.eu:poacc:bis:ordering:3');
  root.ele('cbc:ID').txt(doc.number);
  root.ele('cbc:IssueDate').txt(doc.issuedAt.slice(0, 10));
  root.ele('cbc:IssueTime').txt(doc.issuedAt.slice(11, 19));
  root.ele('cbc:OrderResponseCode').txt(code);
  if (doc.currency) root.ele('cbc:DocumentCurrencyCode').txt(doc.currency);
  root.ele('cac:OrderReference').ele('cbc:ID').txt(doc.orderNumber);
  addParty(root, 'SellerSupplierParty', { endpoint: endpoints.seller, gln: doc.supplierGln, name: doc.supplierName });
  addParty(root, 'BuyerCustomerParty', { endpoint: endpoints.buyer, gln: doc.buyerGln, name: doc.buyerName });
  if (code === 'CA')
    for (const line of doc.lines) {
      const item = root.ele('cac:OrderLine').ele('cac:LineItem');
      item.ele('cbc:ID').txt(line.lineNo);
      // 5 accepted without amendment, 3 changed, 7 not accepted (UNCL1229)
      item.ele('cbc:LineStatusCode').txt(line.status === 'accepted' ? '5' : line.status === 'rejected' ? '7' : '3');
      if (line.status !== 'rejected') item.ele('cbc:Quantity', { unitCode: 'C62' }).txt(String(line.confirmedQuantity));
      if (line.unitPrice && doc.currency)
        item.ele('cac:Price').ele('cbc:PriceAmount', { currencyID: doc.currency }).txt(line.unitPrice);
      const product = item.ele('cac:Item');
      if (line.name) product.ele('cbc:Name').txt(line.name);
      product.ele('cac:SellersItemIdentification').ele('cbc:ID').txt(line.sku);
      if (line.gtin) product.ele('cac:StandardItemIdentification').ele('cbc:ID', { schemeID: '0160' }).txt(line.gtin);
    }
  return root.end({ prettyPrint: true });
}

/** Peppol Despatch Advice (T16): the shipment with its tracking id, a line per shipped order line. */
export function despatchAdviceXml(
  doc: DespatchDoc,
  endpoints: { buyer?: string | undefined; seller?: string | undefined },
): string {
  const root = createXml({ version: '1.0', encoding: 'UTF-8' }).ele(UBL_NS.despatchAdvice, 'DespatchAdvice', {
    'xmlns:cac': UBL_NS.cac,
    'xmlns:cbc': UBL_NS.cbc,
  });
  root.ele('cbc:CustomizationID').txt('urn:fdc:peppol.eu:poacc:trns:despatch_advice:3');
  root.ele('cbc:ProfileID').txt('urn:fdc:peppol.eu:poacc:bis:despatch_advice:3');
  root.ele('cbc:ID').txt(doc.number);
  root.ele('cbc:IssueDate').txt(doc.issuedAt.slice(0, 10));
  root.ele('cac:OrderReference').ele('cbc:ID').txt(doc.orderNumber);
  const supplier = root.ele('cac:DespatchSupplierParty').ele('cac:Party');
  const seller = splitEndpoint(endpoints.seller);
  if (seller) supplier.ele('cbc:EndpointID', { schemeID: seller.scheme }).txt(seller.id);
  if (doc.supplierGln) supplier.ele('cac:PartyIdentification').ele('cbc:ID', { schemeID: '0088' }).txt(doc.supplierGln);
  supplier
    .ele('cac:PartyLegalEntity')
    .ele('cbc:RegistrationName')
    .txt(doc.supplierName ?? doc.supplierGln ?? 'Seller');
  const customer = root.ele('cac:DeliveryCustomerParty').ele('cac:Party');
  const buyer = splitEndpoint(endpoints.buyer);
  if (buyer) customer.ele('cbc:EndpointID', { schemeID: buyer.scheme }).txt(buyer.id);
  if (doc.deliveryGln ?? doc.buyerGln)
    customer
      .ele('cac:PartyIdentification')
      .ele('cbc:ID', { schemeID: '0088' })
      .txt((doc.deliveryGln ?? doc.buyerGln)!);
  customer
    .ele('cac:PartyLegalEntity')
    .ele('cbc:RegistrationName')
    .txt(doc.buyerName ?? doc.buyerGln ?? 'Buyer');
  if (doc.buyerGln || doc.buyerName) {
    const party = root.ele('cac:BuyerCustomerParty').ele('cac:Party');
    if (doc.buyerGln) party.ele('cac:PartyIdentification').ele('cbc:ID', { schemeID: '0088' }).txt(doc.buyerGln);
    if (doc.buyerName) party.ele('cac:PartyName').ele('cbc:Name').txt(doc.buyerName);
  }
  const shipment = root.ele('cac:Shipment');
  shipment.ele('cbc:ID').txt(doc.trackingNumber ?? doc.number);
  const consignment = shipment.ele('cac:Consignment');
  consignment.ele('cbc:ID').txt(doc.trackingNumber ?? doc.number);
  if (doc.carrier) consignment.ele('cac:CarrierParty').ele('cac:PartyName').ele('cbc:Name').txt(doc.carrier);
  const delivery = shipment.ele('cac:Delivery');
  delivery.ele('cac:Despatch').ele('cbc:ActualDespatchDate').txt(doc.shippedAt.slice(0, 10));
  doc.lines.forEach((line, index) => {
    const row = root.ele('cac:DespatchLine');
    row.ele('cbc:ID').txt(String(index + 1));
    row.ele('cbc:DeliveredQuantity', { unitCode: 'C62' }).txt(String(line.quantity));
    row.ele('cac:OrderLineReference').ele('cbc:LineID').txt(line.lineNo);
    const item = row.ele('cac:Item');
    item.ele('cbc:Name').txt(line.name ?? line.sku);
    item.ele('cac:SellersItemIdentification').ele('cbc:ID').txt(line.sku);
    if (line.gtin) item.ele('cac:StandardItemIdentification').ele('cbc:ID', { schemeID: '0160' }).txt(line.gtin);
    const sscc = doc.packages.find((p) => p.lines.includes(index))?.sscc;
    if (sscc)
      row
        .ele('cac:Shipment')
        .ele('cbc:ID')
        .txt('1')
        .up()
        .ele('cac:TransportHandlingUnit')
        .ele('cbc:ID', { schemeID: 'SSCC' })
        .txt(sscc);
  });
  return root.end({ prettyPrint: true });
}
