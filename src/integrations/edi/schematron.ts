/**
 * A small ISO Schematron runner over fontoxpath (XPath 3.1) and slimdom, enough for the Peppol
 * BIS 3 ordering rule files (PEPPOL-M-T01/T16/T76.sch): patterns with `let`, rules with a
 * context pattern, asserts and reports with ids and flags; the XSLT `key()` function (declared
 * as an xsl:key in the wrapping PEPPOLBIS-*.sch) and the Peppol utility function `u:slack`.
 * node-schematron (the maintained JS runner) was tried first: it does not load xsl:key nor the
 * `u:` functions the Peppol files call, so it cannot run these files as they are.
 */
import * as slimdom from 'slimdom';
import type { Document, Element, Node } from 'slimdom';
import { evaluateXPathToBoolean, evaluateXPathToNodes, registerCustomXPathFunction } from './xpath.js';

const { parseXmlDocument } = slimdom;

const SCH = 'http://purl.oclc.org/dsdl/schematron';

export interface SchematronKey {
  name: string;
  match: string;
  use: string;
}

export interface SchematronAssert {
  id: string;
  flag: string;
  test: string;
  message: string;
  report: boolean;
}

interface Rule {
  context: string;
  lets: [string, string][];
  asserts: SchematronAssert[];
}

export interface Schematron {
  lets: [string, string][];
  patterns: Rule[][];
  namespaces: Record<string, string>;
  keys: SchematronKey[];
  ruleIds: Set<string>;
  /** Asserts that name a variable or function from a part file that was not loaded (code lists): skipped. */
  unrunnable: Set<string>;
}

export interface SchematronFailure {
  id: string;
  flag: string;
  message: string;
  /** An XPath-like location of the context node. */
  location: string;
}

let registered = false;
function registerFunctions() {
  if (registered) return;
  registered = true;
  // Peppol's u:slack(expected, actual, slack): |expected - actual| <= slack
  registerCustomXPathFunction(
    { namespaceURI: 'utils', localName: 'slack' },
    ['xs:anyAtomicType?', 'xs:anyAtomicType?', 'xs:anyAtomicType?'],
    'xs:boolean',
    (_ctx: unknown, expected: unknown, actual: unknown, slack: unknown) =>
      Math.abs(Number(expected) - Number(actual)) <= Number(slack) + 1e-9,
  );
}

const children = (element: Element, local: string) =>
  element.children.filter((c) => c.namespaceURI === SCH && c.localName === local);

/**
 * Loads rules: `patternXml` is a schematron document or a lone <pattern> (as PEPPOL-M-*.sch are);
 * the namespaces and keys come from the wrapping schema when it is given.
 */
export function loadSchematron(patternXml: string, wrapperXml?: string): Schematron {
  registerFunctions();
  const namespaces: Record<string, string> = {};
  const keys: SchematronKey[] = [];
  const docs = [wrapperXml, patternXml].filter((x): x is string => x !== undefined).map((x) => parseXmlDocument(x));
  for (const doc of docs) {
    const root = doc.documentElement!;
    for (const ns of root.getElementsByTagNameNS(SCH, 'ns'))
      namespaces[ns.getAttribute('prefix')!] = ns.getAttribute('uri')!;
    for (const key of root.getElementsByTagNameNS('http://www.w3.org/1999/XSL/Transform', 'key'))
      keys.push({ name: key.getAttribute('name')!, match: key.getAttribute('match')!, use: key.getAttribute('use')! });
  }
  const root = docs[docs.length - 1]!.documentElement!;
  const patterns = root.localName === 'pattern' ? [root] : children(root, 'pattern');
  const lets: [string, string][] = [];
  const ruleIds = new Set<string>();
  const loaded = patterns.map((pattern) => {
    for (const node of children(pattern, 'let')) lets.push([node.getAttribute('name')!, node.getAttribute('value')!]);
    return children(pattern, 'rule').map((rule) => ({
      context: rule.getAttribute('context')!,
      lets: children(rule, 'let').map((l) => [l.getAttribute('name')!, l.getAttribute('value')!] as [string, string]),
      asserts: [...children(rule, 'assert'), ...children(rule, 'report')].map((node) => {
        const id = node.getAttribute('id') ?? '';
        ruleIds.add(id);
        return {
          id,
          flag: node.getAttribute('flag') ?? 'fatal',
          test: node.getAttribute('test')!,
          message: (node.textContent ?? '').replace(/\s+/g, ' ').trim(),
          report: node.localName === 'report',
        };
      }),
    }));
  });
  return { lets, patterns: loaded, namespaces, keys, ruleIds, unrunnable: new Set() };
}

/** Splits at top-level `|` (outside brackets, parentheses and quotes). */
function splitUnion(pattern: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const ch of pattern) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts;
}

/** An XSLT match pattern as an expression selecting every node it matches. */
const matchToSelect = (pattern: string) =>
  splitUnion(pattern)
    .map((p) => (p.startsWith('/') ? p : `//${p}`))
    .join(' | ');

/** Rewrites key('name', expr) into a plain XPath over the key's match and use. */
function expandKeys(expression: string, keys: SchematronKey[]): string {
  let out = expression;
  for (;;) {
    const match = /key\(\s*'([^']+)'\s*,/.exec(out);
    if (!match) return out;
    const key = keys.find((k) => k.name === match[1]);
    if (!key) throw new Error(`schematron: key ${match[1]} is not declared`);
    let depth = 1;
    let at = match.index + match[0].length;
    const start = at;
    for (; at < out.length && depth > 0; at++) {
      if (out[at] === '(') depth++;
      else if (out[at] === ')') depth--;
    }
    const argument = out.slice(start, at - 1);
    out = `${out.slice(0, match.index)}(let $__key := (${argument}) return ${matchToSelect(key.match)}[${key.use} = $__key])${out.slice(at)}`;
  }
}

function locationOf(node: Node): string {
  const steps: string[] = [];
  let current: Node | null = node;
  while (current && current.nodeType === 1) {
    const element = current as Element;
    const parent = element.parentElement;
    const index = parent ? parent.children.filter((c) => c.nodeName === element.nodeName).indexOf(element) + 1 : 1;
    steps.unshift(`${element.nodeName}[${index}]`);
    current = parent;
  }
  return `/${steps.join('/')}`;
}

/** Runs the rules on a document; returns the failed asserts (and fired reports). */
export function runSchematron(schema: Schematron, xml: string | Document): SchematronFailure[] {
  const document = typeof xml === 'string' ? parseXmlDocument(xml) : xml;
  const resolver = (prefix: string | null) => (prefix ? (schema.namespaces[prefix] ?? null) : null);
  const letPrefix = (lets: [string, string][]) =>
    lets.length
      ? `let ${lets.map(([name, value]) => `$${name} := (${expandKeys(value, schema.keys)})`).join(', ')} return `
      : '';
  const failures: SchematronFailure[] = [];
  for (const pattern of schema.patterns) {
    const fired = new Set<Node>();
    for (const rule of pattern) {
      const nodes = evaluateXPathToNodes(
        matchToSelect(rule.context),
        document,
        null,
        {},
        {
          namespaceResolver: resolver,
        },
      ) as Node[];
      for (const node of nodes) {
        if (fired.has(node)) continue;
        fired.add(node);
        for (const assert of rule.asserts) {
          const expression = `${letPrefix(schema.lets)}${letPrefix(rule.lets)}boolean(${expandKeys(assert.test, schema.keys)})`;
          if (schema.unrunnable.has(assert.id)) continue;
          let holds: boolean;
          try {
            holds = evaluateXPathToBoolean(expression, node, null, {}, { namespaceResolver: resolver });
          } catch (error) {
            // a rule naming a variable or function of a part file we do not have (code lists)
            if (error instanceof Error && /XPST0008|XPST0017/.test(error.message)) {
              schema.unrunnable.add(assert.id);
              continue;
            }
            throw error;
          }
          if (holds === assert.report)
            failures.push({ id: assert.id, flag: assert.flag, message: assert.message, location: locationOf(node) });
        }
      }
    }
  }
  return failures;
}
