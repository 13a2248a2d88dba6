/**
 * The Russian УПД (универсальный передаточный документ) in the ФНС format 5.02, function
 * СЧФДОП (invoice and shipment document in one): the seller's title as an XML file named
 * ON_NSCHFDOPPR_<receiver>_<sender>_<date>_<guid>, encoded windows-1251 as the format requires.
 *
 * The ФНС schema's licence is not stated, so it is not in this repository: validation takes
 * the XSD bytes from the caller (`createUpdValidator`).
 */
import { randomUUID } from 'node:crypto';
import iconv from 'iconv-lite';
import { createXml } from '../xml-builder.js';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { InvoiceAddress, InvoiceDocument, InvoiceParty } from '../../domain/money/invoice-document.js';
import { err, ok } from '../../shared/result.js';
import { dottedDate, isIsoDate, money, sum, type EInvoiceError, type EInvoiceResult } from './common.js';
import { compileSchema, validateWith, type XmlValidation } from './xml-schema.js';

export interface UpdSigner {
  lastName: string;
  firstName: string;
  middleName?: string;
  position?: string;
  /** СпосПодтПолном: how the signer's authority is confirmed; "1" = by the electronic signature itself. */
  authority?: '1' | '2' | '3' | '4' | '5' | '6';
}

export interface UpdOptions {
  /** ЭДО participant ids (ИдОтпр / ИдПол) of the sender (seller) and receiver (buyer). */
  senderId: string;
  receiverId: string;
  signer: UpdSigner;
  /** When the file is formed, seller's local time; defaults to now (UTC). Pass it for stable output. */
  formedAt?: { date: string; time: string };
  /** The GUID part of the file name; random by default. */
  fileGuid?: string;
  program?: string;
}

export interface UpdFile {
  /** ИдФайл, also the file name without ".xml". */
  fileId: string;
  /** The XML as bytes in windows-1251. */
  bytes: Buffer;
}

/** НалСт as the 5.02 format spells the rates Ordo uses; "none" is «без НДС». */
const RATES: Record<string, string> = { '20': '20%', '10': '10%', '0': '0%', none: 'без НДС' };
/** ОКЕИ codes of the units Ordo prints. */
const OKEI: Record<string, string> = { шт: '796', 'шт.': '796', кг: '166', л: '112', упак: '778', м: '006' };
const CURRENCIES: Record<string, [string, string]> = {
  RUB: ['643', 'Российский рубль'],
  USD: ['840', 'Доллар США'],
  EUR: ['978', 'Евро'],
  CNY: ['156', 'Юань'],
  KZT: ['398', 'Тенге'],
  BYN: ['933', 'Белорусский рубль'],
};
const REGIONS: Record<string, string> = {
  '77': 'г. Москва',
  '78': 'г. Санкт-Петербург',
  '50': 'Московская область',
  '47': 'Ленинградская область',
  '16': 'Республика Татарстан',
  '23': 'Краснодарский край',
  '54': 'Новосибирская область',
  '66': 'Свердловская область',
  '92': 'г. Севастополь',
};
/** ОКСМ numeric codes and Russian names for foreign parties. */
const COUNTRIES: Record<string, [string, string]> = {
  BY: ['112', 'Беларусь'],
  KZ: ['398', 'Казахстан'],
  AM: ['051', 'Армения'],
  KG: ['417', 'Киргизия'],
  CN: ['156', 'Китай'],
  PL: ['616', 'Польша'],
  DE: ['276', 'Германия'],
};

const INN_UL = /^\d{10}$/;
const INN_FL = /^\d{12}$/;

function refuse(code: EInvoiceError['code'], message: string): EInvoiceResult<never> {
  return err({ code, message });
}

/** A УПД (СЧФДОП) for a Russian invoice; proformas and credit notes (those are УКД) are refused. */
export function buildUpd(doc: InvoiceDocument, options: UpdOptions): EInvoiceResult<UpdFile> {
  if (doc.kind !== 'invoice')
    return refuse('EINVOICE_UNSUPPORTED', `${doc.number}: a УПД is issued for an invoice only (a correction is a УКД)`);
  const currency = CURRENCIES[doc.currency];
  if (!currency) return refuse('EINVOICE_UNSUPPORTED', `currency ${doc.currency} has no ОКВ code here`);
  for (const invoiceLine of doc.lines) {
    if (!RATES[invoiceLine.vatRate])
      return refuse('EINVOICE_UNSUPPORTED', `НДС rate "${invoiceLine.vatRate}" is not in the 5.02 format`);
    if (invoiceLine.quantity <= 0)
      return refuse('EINVOICE_INVALID_INPUT', `line ${invoiceLine.no}: a УПД line ships a positive quantity`);
  }
  for (const row of doc.vatSummary) {
    const lines = doc.lines.filter((l) => l.vatRate === row.rate);
    if (sum(lines.map((l) => l.net)) !== row.net || sum(lines.map((l) => l.vat)) !== row.vat)
      return refuse('EINVOICE_INVALID_INPUT', `lines at ${row.rate}% do not add up to the НДС summary`);
  }
  if (sum(doc.vatSummary.map((r) => r.vat)) !== doc.totals.vat || doc.totals.net + doc.totals.vat !== doc.totals.gross)
    return refuse('EINVOICE_INVALID_INPUT', 'the НДС summary does not add up to the totals');
  for (const date of [doc.issueDate, doc.saleDate])
    if (date !== undefined && !isIsoDate(date)) return refuse('EINVOICE_INVALID_INPUT', `not a date: ${date}`);
  const partyError = checkParty(doc.seller) ?? checkParty(doc.buyer);
  if (partyError) return refuse('EINVOICE_INVALID_INPUT', partyError);

  const now = new Date().toISOString();
  const formed = options.formedAt ?? { date: now.slice(0, 10), time: now.slice(11, 19) };
  const fileId = [
    'ON_NSCHFDOPPR',
    options.receiverId,
    options.senderId,
    formed.date.replaceAll('-', ''),
    options.fileGuid ?? randomUUID(),
  ].join('_');

  const root = createXml({ version: '1.0', encoding: 'windows-1251' }).ele('Файл', {
    ИдФайл: fileId,
    ВерсФорм: '5.02',
    ВерсПрог: options.program ?? 'Ordo',
  });
  const document = root.ele('Документ', {
    КНД: '1115131',
    Функция: 'СЧФДОП',
    ПоФактХЖ:
      'Документ об отгрузке товаров (выполнении работ), передаче имущественных прав (документ об оказании услуг)',
    НаимДокОпр:
      'Счет-фактура и документ об отгрузке товаров (выполнении работ), передаче имущественных прав (документ об оказании услуг)',
    ДатаИнфПр: dottedDate(formed.date),
    ВремИнфПр: formed.time.replaceAll(':', '.'),
    НаимЭконСубСост: doc.seller.name,
  });

  const invoice = document.ele('СвСчФакт', { НомерДок: doc.number, ДатаДок: dottedDate(doc.issueDate) });
  party(invoice.ele('СвПрод'), doc.seller);
  invoice.ele('ГрузОт').ele('ОнЖе').txt('он же');
  party(invoice.ele('ГрузПолуч'), doc.buyer);
  invoice.ele('ДокПодтвОтгрНом', {
    РеквНаимДок: 'Универсальный передаточный документ',
    РеквНомерДок: doc.number,
    РеквДатаДок: dottedDate(doc.issueDate),
  });
  party(invoice.ele('СвПокуп'), doc.buyer);
  invoice.ele('ДенИзм', { КодОКВ: currency[0], НаимОКВ: currency[1] });

  const table = document.ele('ТаблСчФакт');
  for (const invoiceLine of doc.lines) {
    const attrs: Record<string, string> = { НомСтр: String(invoiceLine.no), НаимТов: invoiceLine.name };
    const okei = OKEI[invoiceLine.unit];
    if (okei) attrs.ОКЕИ_Тов = okei;
    attrs.НаимЕдИзм = invoiceLine.unit;
    attrs.КолТов = String(invoiceLine.quantity);
    if (invoiceLine.unitNet > 0n) attrs.ЦенаТов = money(invoiceLine.unitNet, doc.currency);
    attrs.СтТовБезНДС = money(invoiceLine.net, doc.currency);
    attrs.НалСт = RATES[invoiceLine.vatRate]!;
    attrs.СтТовУчНал = money(invoiceLine.gross, doc.currency);
    const row = table.ele('СведТов', attrs);
    row.ele('ДопСведТов', {
      ...(invoiceLine.gtin?.length === 14 ? { ГТИН: invoiceLine.gtin } : {}),
      // a line without an article (delivery) names none: the XSD wants at least one character
      ...(invoiceLine.sku ? { АртикулТов: invoiceLine.sku } : {}),
    });
    row.ele('Акциз').ele('БезАкциз').txt('без акциза');
    tax(row.ele('СумНал'), invoiceLine.vatRate === 'none' ? undefined : money(invoiceLine.vat, doc.currency));
  }
  const noVat = doc.lines.every((l) => l.vatRate === 'none');
  const total = table.ele('ВсегоОпл', {
    СтТовБезНДСВсего: money(doc.totals.net, doc.currency),
    СтТовУчНалВсего: money(doc.totals.gross, doc.currency),
  });
  tax(total.ele('СумНалВсего'), noVat ? undefined : money(doc.totals.vat, doc.currency));

  const shipped = dottedDate(doc.saleDate ?? doc.issueDate);
  const transfer = document.ele('СвПродПер').ele('СвПер', { СодОпер: 'Товары переданы', ДатаПер: shipped });
  transfer.ele('ОснПер', {
    РеквНаимДок: 'Заказ',
    РеквНомерДок: doc.orderNumber,
    РеквДатаДок: dottedDate(doc.issueDate),
  });

  const signatory = options.signer;
  const signer = document.ele('Подписант', {
    ...(signatory.position ? { Должн: signatory.position } : {}),
    СпосПодтПолном: signatory.authority ?? '1',
  });
  signer.ele('ФИО', {
    Фамилия: signatory.lastName,
    Имя: signatory.firstName,
    ...(signatory.middleName ? { Отчество: signatory.middleName } : {}),
  });

  return ok({ fileId, bytes: toWindows1251(root.end({ prettyPrint: true })) });
}

function checkParty(invoiceParty: InvoiceParty): string | undefined {
  if (invoiceParty.address.countryCode === 'RU') {
    if (!invoiceParty.taxId || !(INN_UL.test(invoiceParty.taxId) || INN_FL.test(invoiceParty.taxId)))
      return `${invoiceParty.name}: a Russian party needs its ИНН`;
    if (!invoiceParty.address.regionCode || !/^\d{2}$/.test(invoiceParty.address.regionCode))
      return `${invoiceParty.name}: a Russian address needs its region code`;
    if (INN_FL.test(invoiceParty.taxId) && fio(invoiceParty.name).length < 2)
      return `${invoiceParty.name}: an entrepreneur's name must be «Фамилия Имя»`;
  } else if (!COUNTRIES[invoiceParty.address.countryCode])
    return `${invoiceParty.name}: no ОКСМ code for ${invoiceParty.address.countryCode}`;
  return undefined;
}

function fio(name: string): string[] {
  return name
    .replace(/^ИП\s+/, '')
    .trim()
    .split(/\s+/);
}

/** УчастникТип: ИдСв (organisation, entrepreneur or foreign party) and the address. */
function party(el: XMLBuilder, invoiceParty: InvoiceParty): void {
  const id = el.ele('ИдСв');
  if (invoiceParty.address.countryCode !== 'RU') {
    const [code, country] = COUNTRIES[invoiceParty.address.countryCode]!;
    id.ele('СвИнНеУч', {
      ИдСтат: invoiceParty.person ? 'ИГ' : 'ИО',
      КодСтр: code,
      НаимСтран: country,
      Наим: invoiceParty.name,
    });
  } else if (INN_UL.test(invoiceParty.taxId!)) {
    id.ele('СвЮЛУч', {
      НаимОрг: invoiceParty.name,
      ИННЮЛ: invoiceParty.taxId!,
      ...(invoiceParty.kpp ? { КПП: invoiceParty.kpp } : {}),
    });
  } else {
    const [last, first, middle] = fio(invoiceParty.name);
    id.ele('СвИП', { ИННФЛ: invoiceParty.taxId! }).ele('ФИО', {
      Фамилия: last!,
      Имя: first!,
      ...(middle ? { Отчество: middle } : {}),
    });
  }
  address(el.ele('Адрес'), invoiceParty.address);
  if (invoiceParty.email) el.ele('Контакт').ele('ЭлПочта').txt(invoiceParty.email);
}

function address(el: XMLBuilder, partyAddress: InvoiceAddress): void {
  if (partyAddress.countryCode === 'RU') {
    const region = partyAddress.regionCode!;
    el.ele('АдрРФ', {
      ...(/^\d{6}$/.test(partyAddress.postalCode) ? { Индекс: partyAddress.postalCode } : {}),
      КодРегион: region,
      НаимРегион: REGIONS[region] ?? `Регион ${region}`,
      Город: partyAddress.city,
      Улица: partyAddress.line1,
      ...(partyAddress.line2 ? { ИныеСвед: partyAddress.line2 } : {}),
    });
  } else {
    const [code, country] = COUNTRIES[partyAddress.countryCode]!;
    const text = [partyAddress.line1, partyAddress.line2, `${partyAddress.postalCode} ${partyAddress.city}`]
      .filter(Boolean)
      .join(', ');
    el.ele('АдрИнф', { КодСтр: code, НаимСтран: country, АдрТекст: text });
  }
}

/** СумНДСТип: the amount, or «без НДС». */
function tax(el: XMLBuilder, amount: string | undefined): void {
  if (amount === undefined) el.ele('БезНДС').txt('без НДС');
  else el.ele('СумНал').txt(amount);
}

/**
 * windows-1251 bytes of the XML. A character the code page lacks (a Polish "ł" in a foreign
 * buyer's name) would silently become "?": it is written as a character reference instead,
 * which every XML parser reads back as the character. Markup is all Cyrillic/ASCII, so only
 * text and attribute values can contain such characters.
 */
export function toWindows1251(xml: string): Buffer {
  let safe = '';
  for (const ch of xml) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80 || iconv.decode(iconv.encode(ch, 'win1251'), 'win1251') === ch) safe += ch;
    else safe += `&#${cp};`;
  }
  return iconv.encode(safe, 'win1251');
}

/** A validator for the ФНС 5.02 schema, whose bytes the caller supplies (it cannot ship here). */
export function createUpdValidator(xsd: Uint8Array): (xml: Uint8Array | string) => XmlValidation {
  const validator = compileSchema(xsd, 'ON_NSCHFDOPPR_1_997_01_05_02_01.xsd');
  return (xml) => validateWith(validator, xml);
}
