/**
 * XSD validation through libxml2 compiled to WebAssembly (libxml2-wasm): the same validator
 * the tax authorities' reference tools use, with no native build and no network. Schemas are
 * compiled once per process and kept; documents are parsed and freed per call.
 */
import {
  XmlBufferInputProvider,
  XmlDocument,
  XmlParseError,
  XmlValidateError,
  XsdValidator,
  xmlRegisterInputProvider,
  type ErrorDetail,
} from 'libxml2-wasm';

export interface XmlValidationError {
  /** 1-based line in the validated document (0 when libxml2 could not tell). */
  line: number;
  message: string;
}

export interface XmlValidation {
  ok: boolean;
  errors: XmlValidationError[];
}

/**
 * Imported and included schemas by the exact URL the importing schema names (the FA(3)
 * schema imports its base types by their crd.gov.pl address). Registering them here answers
 * those loads from memory, so validation never reaches out to the network.
 */
const provider = new XmlBufferInputProvider({});
let providerRegistered = false;

export function registerSchemaBuffers(buffers: Record<string, Uint8Array>): void {
  if (!providerRegistered) {
    xmlRegisterInputProvider(provider);
    providerRegistered = true;
  }
  for (const [url, data] of Object.entries(buffers)) provider.addBuffer(url, data);
}

/** Compiles a main XSD (its imports must be registered first); throws on a broken schema (a bug, not input). */
export function compileSchema(xsd: Uint8Array, url: string): XsdValidator {
  const doc = XmlDocument.fromBuffer(xsd, { url });
  try {
    return XsdValidator.fromDoc(doc);
  } finally {
    doc.dispose();
  }
}

function toErrors(details: ErrorDetail[]): XmlValidationError[] {
  return details.map((d) => ({ line: d.line ?? 0, message: d.message.trim() }));
}

/** Validates a document: a parse error and each schema violation come back with its line. */
export function validateWith(validator: XsdValidator, xml: string | Uint8Array): XmlValidation {
  let doc: XmlDocument;
  try {
    doc = typeof xml === 'string' ? XmlDocument.fromString(xml) : XmlDocument.fromBuffer(xml);
  } catch (error) {
    if (error instanceof XmlParseError) return { ok: false, errors: toErrors(error.details) };
    throw error;
  }
  try {
    validator.validate(doc);
    return { ok: true, errors: [] };
  } catch (error) {
    if (error instanceof XmlValidateError) return { ok: false, errors: toErrors(error.details) };
    throw error;
  } finally {
    doc.dispose();
  }
}
