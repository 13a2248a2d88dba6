/**
 * Which check a CommerceML document gets. The schemas Ordo carries are 2.08 and 2.10 (namespace
 * urn:1C.ru:commerceml_2): a document that declares one of those versions (2.08, 2.09 → 2.08;
 * 2.10 and later 2.x → 2.10) is validated against it, with or without the namespace on its root
 * (older 1C and Bitrix omit it; it is added for validation only). Documents declaring an older
 * version (2.03–2.07: the official samples, Bitrix's own exchange) or CommerceML 3.x (Bitrix's
 * module) have no schema here: the parser checks their structure (required elements, numbers,
 * references) and the log says so. Real 1C data sometimes breaks a facet (a 10-digit КПП), so a
 * connection may lower the check to 'structural' for every version.
 */
import { readFileSync } from 'node:fs';
import { XmlDocument, XmlValidateError, type XsdValidator } from 'libxml2-wasm';
import { compileSchema } from '../../einvoice/xml-schema.js';
import type { XmlNode, XmlProblem } from './xml.js';

export const CML2_NAMESPACE = 'urn:1C.ru:commerceml_2';
export type SchemaVersion = '2.08' | '2.10';
export type SchemaCheckMode = 'strict' | 'structural';

export interface SchemaCheck {
  /** What was done: validated against an XSD, or read structurally by the parser (and why). */
  check: 'xsd' | 'structural';
  declaredVersion: string | null;
  schema: SchemaVersion | null;
  note: string;
  problems: XmlProblem[];
}

const validators = new Map<SchemaVersion, XsdValidator>();

function validatorFor(version: SchemaVersion): XsdValidator {
  let validator = validators.get(version);
  if (!validator) {
    const xsd = readFileSync(new URL(`./schemas/commerceml-${version}.xsd`, import.meta.url));
    validator = compileSchema(xsd, `commerceml-${version}.xsd`);
    validators.set(version, validator);
  }
  return validator;
}

/** The XSD for a declared ВерсияСхемы, or null when Ordo has none for it. */
export function schemaFor(declared: string | null, namespace: string): SchemaVersion | null {
  if (!declared) return null;
  if (namespace && namespace !== CML2_NAMESPACE) return null;
  const match = /^2\.(\d+)/.exec(declared.trim());
  if (!match) return null;
  const minor = Number(match[1]);
  if (minor >= 10) return '2.10';
  if (minor >= 8) return '2.08';
  return null;
}

function validateDoc(version: SchemaVersion, doc: XmlDocument): XmlProblem[] {
  try {
    validatorFor(version).validate(doc);
    return [];
  } catch (error) {
    if (error instanceof XmlValidateError)
      return error.details.map((d) => ({ line: d.line ?? 0, path: '', message: d.message.trim() }));
    throw error;
  }
}

/**
 * Checks a parsed document by its declared version. A root without the namespace is validated
 * as if it had it (the text `text` read again with the namespace declared; lines are unchanged).
 */
export function checkSchema(root: XmlNode, doc: XmlDocument, text: string, mode: SchemaCheckMode): SchemaCheck {
  const declared = root.attrs['ВерсияСхемы'] ?? null;
  const schema = schemaFor(declared, root.namespace);
  if (mode === 'structural')
    return {
      check: 'structural',
      declaredVersion: declared,
      schema: null,
      note: 'the connection checks structure only (schemaCheck: structural)',
      problems: [],
    };
  if (!schema)
    return {
      check: 'structural',
      declaredVersion: declared,
      schema: null,
      note:
        root.namespace && root.namespace !== CML2_NAMESPACE
          ? `namespace ${root.namespace} (version ${declared ?? 'not declared'}): no schema in Ordo, structure checked by the parser`
          : `version ${declared ?? 'not declared'}: no schema in Ordo (it has 2.08 and 2.10), structure checked by the parser`,
      problems: [],
    };
  let problems: XmlProblem[];
  if (root.namespace === CML2_NAMESPACE) problems = validateDoc(schema, doc);
  else {
    // the same text with the default namespace declared on the root (unprefixed descendants inherit it)
    const withNamespace = text.replace(
      /<КоммерческаяИнформация(?=[\s>])/,
      `<КоммерческаяИнформация xmlns="${CML2_NAMESPACE}"`,
    );
    const copy = XmlDocument.fromBuffer(Buffer.from(withNamespace, 'utf8'));
    try {
      problems = validateDoc(schema, copy);
    } finally {
      copy.dispose();
    }
  }
  return {
    check: 'xsd',
    declaredVersion: declared,
    schema,
    note: `validated against CommerceML ${schema}${root.namespace ? '' : ' (the root had no namespace; validated as urn:1C.ru:commerceml_2)'}`,
    problems,
  };
}
