/**
 * Reading CommerceML bytes: the declared encoding (1C writes windows-1251 or UTF-8, with or
 * without a BOM) decoded with iconv-lite, then parsed by libxml2 (libxml2-wasm) into a plain
 * tree of elements by local name, so CommerceML 2 with or without its namespace and Bitrix's
 * CommerceML 3 read alike. Each element keeps its line and a readable path for error reports.
 */
import iconv from 'iconv-lite';
import { XmlDocument, XmlElement, XmlParseError, XmlText, XmlCData, type ErrorDetail } from 'libxml2-wasm';

export interface XmlNode {
  /** Local name (no prefix, no namespace). */
  name: string;
  namespace: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** Text of a leaf element, trimmed; '' for elements with element children. */
  text: string;
  line: number;
  /** e.g. /КоммерческаяИнформация/Каталог/Товары/Товар[3] */
  path: string;
}

export interface XmlProblem {
  line: number;
  path: string;
  message: string;
}

export type ReadXml =
  | {
      ok: true;
      root: XmlNode;
      doc: XmlDocument;
      encoding: string;
      /** the document as UTF-8 text, declaration rewritten */ text: string;
    }
  | { ok: false; problems: XmlProblem[]; encoding: string };

/** The encoding a document declares (BOM first), normalised: 'utf-8' or 'windows-1251' … */
export function declaredEncoding(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const match = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
  const name = (match?.[1] ?? 'utf-8').toLowerCase();
  if (name === 'utf8') return 'utf-8';
  if (name === 'cp1251' || name === 'win-1251' || name === 'windows1251') return 'windows-1251';
  return name;
}

/** Bytes → text by the declared encoding; null when the encoding is unknown or the bytes are not valid in it. */
export function decodeXml(bytes: Uint8Array): { text: string; encoding: string } | { error: string; encoding: string } {
  const encoding = declaredEncoding(bytes);
  if (encoding === 'utf-8') {
    try {
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
      return { text, encoding };
    } catch {
      return { error: 'the file declares UTF-8 but holds bytes that are not UTF-8', encoding };
    }
  }
  if (!iconv.encodingExists(encoding)) return { error: `unknown encoding ${encoding}`, encoding };
  return { text: iconv.decode(Buffer.from(bytes), encoding), encoding };
}

function details(list: ErrorDetail[]): XmlProblem[] {
  return list.map((d) => ({ line: d.line ?? 0, path: '', message: d.message.trim() }));
}

function toNode(element: XmlElement, path: string): XmlNode {
  const attrs: Record<string, string> = {};
  for (const attr of element.attrs) attrs[attr.name] = attr.value;
  const children: XmlNode[] = [];
  const counts = new Map<string, number>();
  let text = '';
  for (let child = element.firstChild; child; child = child.next) {
    if (child instanceof XmlElement) {
      const nth = (counts.get(child.name) ?? 0) + 1;
      counts.set(child.name, nth);
      children.push(toNode(child, `${path}/${child.name}${nth > 1 ? `[${nth}]` : ''}`));
    } else if (child instanceof XmlText || child instanceof XmlCData) text += child.content;
  }
  return {
    name: element.name,
    namespace: element.namespaceUri,
    attrs,
    children,
    text: children.length ? '' : text.trim(),
    line: element.line,
    path,
  };
}

/**
 * Decodes and parses a document. The caller disposes `doc` (it is kept for schema validation,
 * which needs libxml2's own tree). A parse error comes back with its line.
 */
export function readXml(bytes: Uint8Array): ReadXml {
  const decoded = decodeXml(bytes);
  if ('error' in decoded)
    return { ok: false, problems: [{ line: 0, path: '', message: decoded.error }], encoding: decoded.encoding };
  // libxml2 reads UTF-8 here: the declaration is rewritten on its own line, so line numbers stay
  const utf8 = decoded.text
    .replace(/^\uFEFF/, '')
    .replace(/^(\s*<\?xml[^>]*?)encoding\s*=\s*["'][^"']*["']/, '$1encoding="UTF-8"');
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(Buffer.from(utf8, 'utf8'));
  } catch (error) {
    if (error instanceof XmlParseError)
      return { ok: false, problems: details(error.details), encoding: decoded.encoding };
    throw error;
  }
  const root = doc.root;
  return { ok: true, root: toNode(root, `/${root.name}`), doc, encoding: decoded.encoding, text: utf8 };
}

// ----------------------------------------------------------------------------------------------
// Small helpers over the tree
// ----------------------------------------------------------------------------------------------

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

export function childrenOf(node: XmlNode | undefined, name: string): XmlNode[] {
  return node ? node.children.filter((c) => c.name === name) : [];
}

/** Text of a direct child ('' when absent). */
export function textOf(node: XmlNode | undefined, name: string): string {
  return child(node, name)?.text ?? '';
}

/** ЗначенияРеквизитов/ЗначениеРеквизита as a map of Наименование → Значение (the first value). */
export function requisites(node: XmlNode | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of childrenOf(child(node, 'ЗначенияРеквизитов'), 'ЗначениеРеквизита')) {
    const name = textOf(item, 'Наименование');
    if (name && !out.has(name)) out.set(name, textOf(item, 'Значение'));
  }
  return out;
}
