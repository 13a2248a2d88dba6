import iconv from 'iconv-lite';
import { looksLikeEdifact } from '../../integrations/edi/edifact.js';
import { looksLikeUbl } from '../../integrations/edi/ubl.js';

/** The formats `ordo import orders` and POST /orders:import read, recognised by content. */
export const IMPORT_FORMATS = ['csv', 'json', 'commerceml', 'edifact', 'ubl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const IMPORT_FORMAT_NAMES: Record<ImportFormat, string> = {
  csv: 'CSV (one row per order line, with a header naming channel, sku, quantity …)',
  json: 'JSON (an array of orders as POST /orders takes them, or { "orders": [...] })',
  commerceml: 'CommerceML 2 (1C: КоммерческаяИнформация with Документ)',
  edifact: 'EDIFACT (an interchange starting with UNA or UNB; ORDERS messages)',
  ubl: 'UBL 2.1 / Peppol Order (root Order in urn:oasis:names:specification:ubl:schema:xsd:Order-2)',
};

const COMMERCEML_ROOT = 'КоммерческаяИнформация';

/** The head of the file as text: UTF-8 (a BOM skipped), or windows-1251 when the XML declaration says so. */
function headText(bytes: Buffer): string {
  const head = bytes.subarray(0, 8192);
  const ascii = head.toString('latin1');
  if (/^<\?xml[^>]*encoding=["'](windows-1251|cp1251)["']/i.test(ascii.replace(/^\uFEFF|^ï»¿/, '').trimStart()))
    return iconv.decode(head, 'win1251');
  return head.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * Recognises the format from the content, not the name: an EDIFACT interchange (UNA/UNB), XML
 * whose root is a UBL Order or 1C's КоммерческаяИнформация, JSON (`[` or `{`), a CSV whose header
 * names the import columns. Null when it is none of them (an unknown XML root, a spreadsheet, …).
 */
export function detectImportFormat(bytes: Buffer): ImportFormat | null {
  const text = headText(bytes).trimStart();
  if (looksLikeEdifact(text)) return 'edifact';
  if (text.startsWith('<')) {
    if (looksLikeUbl(text)) return 'ubl';
    const root = /<(?!\?|!)([^\s>/]+)/.exec(text)?.[1];
    if (root && root.replace(/^.*:/, '') === COMMERCEML_ROOT) return 'commerceml';
    return null;
  }
  if (text.startsWith('[') || text.startsWith('{')) return 'json';
  const header = text.split(/\r?\n/, 1)[0]!.toLowerCase();
  const columns = header.split(/[,;\t]/).map((c) => c.trim().replace(/^"|"$/g, ''));
  if (columns.includes('sku') && (columns.includes('channel') || columns.includes('quantity'))) return 'csv';
  return null;
}

export function unknownFormatMessage(name: string): string {
  return `${name} is in no format Ordo imports; it reads ${Object.values(IMPORT_FORMAT_NAMES).join('; ')}`;
}
