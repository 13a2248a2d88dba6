/**
 * KSeF FA(3) XML from an InvoiceDocument, and its validation against the official schema.
 *
 * FA(3) wants, per rate, the net (P_13_x) and VAT (P_14_x) sums exactly to the grosz, the
 * total due (P_15), the annotations block (Adnotacje) filled in even when nothing applies, and
 * on a correction (KOR) the invoice it corrects. Elements must follow the schema's order, so
 * the builder writes them in that order rather than from a map.
 */
import { readFileSync } from 'node:fs';
import { createXml } from '../xml-builder.js';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type {
  InvoiceAddress,
  InvoiceDocument,
  InvoiceParty,
  VatRate,
  VatSummaryRow,
} from '../../domain/money/invoice-document.js';
import { err, ok } from '../../shared/result.js';
import { isIsoDate, money, sum, type EInvoiceResult } from './common.js';
import { compileSchema, registerSchemaBuffers, validateWith, type XmlValidation } from './xml-schema.js';
import type { XsdValidator } from 'libxml2-wasm';

export const FA3_NAMESPACE = 'http://crd.gov.pl/wzor/2025/06/25/13775/';
/** formCode of an online session that sends FA(3) (OpenOnlineSessionRequest.formCode). */
export const FA3_FORM_CODE = { systemCode: 'FA (3)', schemaVersion: '1-0E', value: 'FA' } as const;

const NIP = /^[1-9]((\d[1-9])|([1-9]\d))\d{7}$/;
const EU = new Set('AT BE BG CY CZ DE DK EE EL ES FI FR GR HR HU IE IT LT LU LV MT NL PT RO SE SI SK XI'.split(' '));

/**
 * Where each Ordo rate goes: the sum fields (P_13_x net, P_14_x VAT when the rate carries VAT)
 * and the rate as FA(3) spells it on a line (P_12). Order = the schema's order of P_13 fields.
 */
const RATE_FIELDS: { rates: string[]; p12: string; net: string; vat?: string }[] = [
  { rates: ['23', '22'], p12: '', net: 'P_13_1', vat: 'P_14_1' },
  { rates: ['8', '7'], p12: '', net: 'P_13_2', vat: 'P_14_2' },
  { rates: ['5'], p12: '5', net: 'P_13_3', vat: 'P_14_3' },
  { rates: ['0', '0 KR'], p12: '0 KR', net: 'P_13_6_1' },
  { rates: ['0 WDT'], p12: '0 WDT', net: 'P_13_6_2' },
  { rates: ['0 EX'], p12: '0 EX', net: 'P_13_6_3' },
  { rates: ['zw'], p12: 'zw', net: 'P_13_7' },
  { rates: ['np', 'np I'], p12: 'np I', net: 'P_13_8' },
  { rates: ['np II'], p12: 'np II', net: 'P_13_9' },
  { rates: ['oo'], p12: 'oo', net: 'P_13_10' },
];

function rateGroup(rate: VatRate) {
  return RATE_FIELDS.find((g) => g.rates.includes(rate));
}

/** P_12 for a line: percentages as themselves ("23", "8"), the rest by the table. */
function p12(rate: VatRate): string {
  const group = rateGroup(rate);
  return group && group.p12 ? group.p12 : rate;
}

export interface KsefFa3Options {
  /** DataWytworzeniaFa, an ISO instant; defaults to now. Pass it for byte-stable output. */
  generatedAt?: string;
  /** SystemInfo: the program that made the file. */
  systemInfo?: string;
}

/**
 * FA(3) XML for a VAT invoice (RodzajFaktury VAT) or a credit note (KOR). A proforma is not an
 * invoice under the VAT act and is never sent to KSeF: refused, like documents FA(3) cannot
 * express (an unknown rate, a foreign-currency invoice with VAT, whose P_14_xW needs the
 * exchange rate the document does not carry).
 */
export function buildKsefFa3(doc: InvoiceDocument, options: KsefFa3Options = {}): EInvoiceResult<string> {
  const refusal = check(doc);
  if (refusal) return err(refusal);
  const generatedAt = options.generatedAt ?? new Date().toISOString();

  const root = createXml({ version: '1.0', encoding: 'UTF-8' }).ele(FA3_NAMESPACE, 'Faktura');
  const head = root.ele('Naglowek');
  head.ele('KodFormularza', { kodSystemowy: 'FA (3)', wersjaSchemy: '1-0E' }).txt('FA');
  head.ele('WariantFormularza').txt('3');
  head.ele('DataWytworzeniaFa').txt(generatedAt.replace(/\.\d+Z$/, 'Z'));
  head.ele('SystemInfo').txt(options.systemInfo ?? 'Ordo');

  const seller = root.ele('Podmiot1');
  const sellerId = seller.ele('DaneIdentyfikacyjne');
  sellerId.ele('NIP').txt(digits(doc.seller.taxId!));
  sellerId.ele('Nazwa').txt(doc.seller.name);
  address(seller.ele('Adres'), doc.seller.address);
  if (doc.seller.email) seller.ele('DaneKontaktowe').ele('Email').txt(doc.seller.email);

  buyer(root.ele('Podmiot2'), doc.buyer);

  const fa = root.ele('Fa');
  fa.ele('KodWaluty').txt(doc.currency);
  fa.ele('P_1').txt(doc.issueDate);
  if (doc.placeOfIssue) fa.ele('P_1M').txt(doc.placeOfIssue);
  fa.ele('P_2').txt(doc.number);
  if (doc.saleDate && doc.saleDate !== doc.issueDate) fa.ele('P_6').txt(doc.saleDate);
  for (const field of RATE_FIELDS) {
    const rows = doc.vatSummary.filter((r) => field.rates.includes(r.rate));
    if (rows.length === 0) continue;
    fa.ele(field.net).txt(money(sum(rows.map((r) => r.net)), doc.currency));
    if (field.vat) fa.ele(field.vat).txt(money(sum(rows.map((r) => r.vat)), doc.currency));
  }
  fa.ele('P_15').txt(money(doc.totals.gross, doc.currency));
  annotations(fa.ele('Adnotacje'), doc);

  if (doc.kind === 'credit_note') {
    const original = doc.corrects!;
    fa.ele('RodzajFaktury').txt('KOR');
    fa.ele('PrzyczynaKorekty').txt(original.reason);
    const corrected = fa.ele('DaneFaKorygowanej');
    corrected.ele('DataWystFaKorygowanej').txt(original.issueDate);
    corrected.ele('NrFaKorygowanej').txt(original.number);
    if (original.ksefNumber) {
      corrected.ele('NrKSeF').txt('1');
      corrected.ele('NrKSeFFaKorygowanej').txt(original.ksefNumber);
    } else {
      corrected.ele('NrKSeFN').txt('1');
    }
  } else {
    fa.ele('RodzajFaktury').txt('VAT');
  }

  for (const invoiceLine of doc.lines) {
    const row = fa.ele('FaWiersz');
    row.ele('NrWierszaFa').txt(String(invoiceLine.no));
    row.ele('P_7').txt(invoiceLine.name);
    // Indeks is optional and at least one character: a line without a SKU (delivery) has none.
    if (invoiceLine.sku) row.ele('Indeks').txt(invoiceLine.sku);
    if (invoiceLine.gtin) row.ele('GTIN').txt(invoiceLine.gtin);
    row.ele('P_8A').txt(invoiceLine.unit);
    row.ele('P_8B').txt(String(invoiceLine.quantity));
    row.ele('P_9A').txt(money(invoiceLine.unitNet, doc.currency));
    row.ele('P_11').txt(money(invoiceLine.net, doc.currency));
    row.ele('P_12').txt(p12(invoiceLine.vatRate));
  }

  payment(fa, doc);
  const terms = fa.ele('WarunkiTransakcji').ele('Zamowienia');
  terms.ele('NrZamowienia').txt(doc.orderNumber);
  return ok(root.end({ prettyPrint: true }));
}

/** What FA(3) cannot carry, or a document that does not add up, as a refusal. */
function check(doc: InvoiceDocument) {
  const refuse = (code: 'EINVOICE_UNSUPPORTED' | 'EINVOICE_INVALID_INPUT', message: string) => ({ code, message });
  if (doc.kind === 'proforma')
    return refuse(
      'EINVOICE_UNSUPPORTED',
      `${doc.number} is a proforma: it is not a VAT invoice and is not sent to KSeF`,
    );
  if (doc.kind === 'credit_note' && !doc.corrects)
    return refuse('EINVOICE_INVALID_INPUT', `credit note ${doc.number} does not say which invoice it corrects`);
  if (!doc.seller.taxId || !NIP.test(digits(doc.seller.taxId)) || doc.seller.address.countryCode !== 'PL')
    return refuse(
      'EINVOICE_INVALID_INPUT',
      `KSeF needs a Polish seller with a valid NIP (got ${doc.seller.taxId ?? 'none'})`,
    );
  for (const date of [doc.issueDate, doc.saleDate, doc.corrects?.issueDate, doc.payment?.dueDate])
    if (date !== undefined && !isIsoDate(date)) return refuse('EINVOICE_INVALID_INPUT', `not a date: ${date}`);
  for (const row of doc.vatSummary) {
    const group = rateGroup(row.rate);
    if (!group) return refuse('EINVOICE_UNSUPPORTED', `VAT rate "${row.rate}" has no FA(3) field`);
    if (!group.vat && row.vat !== 0n) return refuse('EINVOICE_INVALID_INPUT', `rate "${row.rate}" carries no VAT`);
    const lines = doc.lines.filter((l) => l.vatRate === row.rate);
    if (sum(lines.map((l) => l.net)) !== row.net)
      return refuse('EINVOICE_INVALID_INPUT', `lines at rate ${row.rate} do not add up to the summary net`);
  }
  const rows = (pick: (summaryRow: VatSummaryRow) => bigint) => sum(doc.vatSummary.map(pick));
  if (rows((r) => r.net) !== doc.totals.net || rows((r) => r.vat) !== doc.totals.vat)
    return refuse('EINVOICE_INVALID_INPUT', 'the VAT summary does not add up to the totals');
  if (doc.totals.net + doc.totals.vat !== doc.totals.gross)
    return refuse('EINVOICE_INVALID_INPUT', 'net + VAT is not the gross total');
  if (doc.lines.some((l) => !doc.vatSummary.some((r) => r.rate === l.vatRate)))
    return refuse('EINVOICE_INVALID_INPUT', 'a line has a rate missing from the VAT summary');
  if (doc.currency !== 'PLN' && doc.totals.vat !== 0n)
    return refuse(
      'EINVOICE_UNSUPPORTED',
      'a foreign-currency invoice with VAT needs the VAT in PLN (P_14_xW) at an exchange rate the document does not carry',
    );
  if (doc.vatSummary.some((r) => r.rate === 'zw') && !doc.vatExemptionBasis)
    return refuse('EINVOICE_INVALID_INPUT', 'exempt (zw) lines need vatExemptionBasis, the legal basis (P_19A)');
  return undefined;
}

function digits(taxId: string): string {
  return taxId.replace(/^PL/i, '').replace(/[\s-]/g, '');
}

function address(el: XMLBuilder, partyAddress: InvoiceAddress): void {
  el.ele('KodKraju').txt(partyAddress.countryCode);
  el.ele('AdresL1').txt(partyAddress.line2 ? `${partyAddress.line1}, ${partyAddress.line2}` : partyAddress.line1);
  el.ele('AdresL2').txt(`${partyAddress.postalCode} ${partyAddress.city}`);
}

/** Podmiot2: NIP for a Polish business, VAT-UE for an EU one, a foreign id, or BrakID for a consumer. */
function buyer(el: XMLBuilder, party: InvoiceParty): void {
  const id = el.ele('DaneIdentyfikacyjne');
  const country = party.address.countryCode;
  const taxId = party.person ? undefined : party.taxId;
  if (taxId && country === 'PL') id.ele('NIP').txt(digits(taxId));
  else if (taxId && EU.has(country)) {
    const prefix = country === 'GR' ? 'EL' : country;
    id.ele('KodUE').txt(prefix);
    id.ele('NrVatUE').txt(taxId.replace(new RegExp(`^${prefix}`, 'i'), '').replace(/\s/g, ''));
  } else if (taxId) {
    id.ele('KodKraju').txt(country);
    id.ele('NrID').txt(taxId);
  } else id.ele('BrakID').txt('1');
  id.ele('Nazwa').txt(party.name);
  address(el.ele('Adres'), party.address);
  if (party.email) el.ele('DaneKontaktowe').ele('Email').txt(party.email);
  // Not a local-government unit's subordinate, not a VAT-group member: FA(3) wants both said.
  el.ele('JST').txt('2');
  el.ele('GV').txt('2');
}

/** Adnotacje: every flag is mandatory; "2"/"N" say the case does not apply. */
function annotations(el: XMLBuilder, doc: InvoiceDocument): void {
  const rates = new Set(doc.vatSummary.map((r) => r.rate));
  el.ele('P_16').txt('2');
  el.ele('P_17').txt('2');
  el.ele('P_18').txt(rates.has('oo') ? '1' : '2');
  el.ele('P_18A').txt('2');
  const exemption = el.ele('Zwolnienie');
  if (rates.has('zw')) {
    exemption.ele('P_19').txt('1');
    exemption.ele('P_19A').txt(doc.vatExemptionBasis!);
  } else exemption.ele('P_19N').txt('1');
  el.ele('NoweSrodkiTransportu').ele('P_22N').txt('1');
  el.ele('P_23').txt('2');
  el.ele('PMarzy').ele('P_PMarzyN').txt('1');
}

const PAYMENT_FORMS: Record<string, string> = {
  cash: '1',
  card: '2',
  voucher: '3',
  credit: '5',
  transfer: '6',
  mobile: '7',
};

function payment(fa: XMLBuilder, doc: InvoiceDocument): void {
  const paymentTerms = doc.payment;
  if (!paymentTerms || (!paymentTerms.dueDate && !paymentTerms.method && !paymentTerms.bankAccount)) return;
  const el = fa.ele('Platnosc');
  if (paymentTerms.dueDate) el.ele('TerminPlatnosci').ele('Termin').txt(paymentTerms.dueDate);
  if (paymentTerms.method) {
    const form = PAYMENT_FORMS[paymentTerms.method];
    if (form) el.ele('FormaPlatnosci').txt(form);
    else {
      el.ele('PlatnoscInna').txt('1');
      el.ele('OpisPlatnosci').txt(paymentTerms.method === 'cod' ? 'za pobraniem' : paymentTerms.method);
    }
  }
  if (paymentTerms.bankAccount) el.ele('RachunekBankowy').ele('NrRB').txt(paymentTerms.bankAccount.replace(/\s/g, ''));
}

const SCHEMA_DIR = new URL('./schemas/ksef/', import.meta.url);
const BASE_URL = 'http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/01/05/eD/DefinicjeTypy/';
let fa3: XsdValidator | undefined;

function fa3Validator(): XsdValidator {
  if (fa3) return fa3;
  const base: Record<string, Uint8Array> = {};
  for (const schemaFile of ['StrukturyDanych_v10-0E.xsd', 'ElementarneTypyDanych_v10-0E.xsd', 'KodyKrajow_v10-0E.xsd'])
    base[BASE_URL + schemaFile] = readFileSync(new URL(schemaFile, SCHEMA_DIR));
  registerSchemaBuffers(base);
  fa3 = compileSchema(readFileSync(new URL('schemat_FA3_v1-0E.xsd', SCHEMA_DIR)), 'schemat_FA3_v1-0E.xsd');
  return fa3;
}

/** Validates XML against the official FA(3) schema; each error with its line. */
export function validateKsefFa3(xml: string | Uint8Array): XmlValidation {
  return validateWith(fa3Validator(), xml);
}
