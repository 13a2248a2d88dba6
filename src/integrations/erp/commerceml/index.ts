/** CommerceML 2 (1C's exchange format): reading, schema checks and the orders document Ordo answers with. */
import { readXml, type XmlProblem } from './xml.js';
import { checkSchema, type SchemaCheck, type SchemaCheckMode } from './validate.js';
import { parseCatalogFile, type CmlCatalogFile } from './catalog.js';
import { parseOrdersFile, type CmlOrdersFile } from './orders.js';

export * from './xml.js';
export * from './validate.js';
export * from './catalog.js';
export * from './orders.js';

export type CmlRead<T> =
  | { ok: true; file: T; schema: SchemaCheck; encoding: string }
  | {
      ok: false;
      stage: 'xml' | 'schema' | 'structure';
      problems: XmlProblem[];
      schema: SchemaCheck | null;
      encoding: string;
    };

function read<T extends { problems: XmlProblem[] }>(
  bytes: Uint8Array,
  mode: SchemaCheckMode,
  parse: (root: import('./xml.js').XmlNode) => T,
): CmlRead<T> {
  const xml = readXml(bytes);
  if (!xml.ok) return { ok: false, stage: 'xml', problems: xml.problems, schema: null, encoding: xml.encoding };
  try {
    const schema = checkSchema(xml.root, xml.doc, xml.text, mode);
    if (schema.problems.length)
      return { ok: false, stage: 'schema', problems: schema.problems, schema, encoding: xml.encoding };
    const file = parse(xml.root);
    if (file.problems.length)
      return { ok: false, stage: 'structure', problems: file.problems, schema, encoding: xml.encoding };
    return { ok: true, file, schema, encoding: xml.encoding };
  } finally {
    xml.doc.dispose();
  }
}

/** import.xml / offers.xml (and Bitrix's prices/rests files): decoded, checked by their declared version, parsed. */
export function readCatalogFile(bytes: Uint8Array, mode: SchemaCheckMode = 'strict'): CmlRead<CmlCatalogFile> {
  return read(bytes, mode, parseCatalogFile);
}

/** orders.xml from 1C (or a site's query answer): decoded, checked, parsed. */
export function readOrdersFile(bytes: Uint8Array, mode: SchemaCheckMode = 'strict'): CmlRead<CmlOrdersFile> {
  return read(bytes, mode, parseOrdersFile);
}

/** One problem per line of a `failure` answer: "line 12, /…/Товар[3]/Ид: Товар has no Ид". */
export function describeProblem(problem: XmlProblem): string {
  const where = [problem.line ? `line ${problem.line}` : '', problem.path].filter(Boolean).join(', ');
  return where ? `${where}: ${problem.message}` : problem.message;
}
