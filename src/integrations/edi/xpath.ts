/**
 * fontoxpath (XPath 3.1 over any DOM; here slimdom's), loaded without its type declarations:
 * they pull the DOM library into every file of the program (`/// <reference lib="dom" />`), which
 * changes Node's fetch and Buffer types elsewhere. The few functions used are typed here.
 */
import { createRequire } from 'node:module';
import type { Node } from 'slimdom';

type Resolver = (prefix: string | null) => string | null;
interface Options {
  namespaceResolver?: Resolver;
}

interface FontoXPath {
  evaluateXPathToBoolean(
    xpath: string,
    context: unknown,
    domFacade: null,
    variables: object,
    options: Options,
  ): boolean;
  evaluateXPathToNodes(xpath: string, context: unknown, domFacade: null, variables: object, options: Options): Node[];
  evaluateXPathToString(xpath: string, context: unknown, domFacade: null, variables: object, options: Options): string;
  registerCustomXPathFunction(
    name: { namespaceURI: string; localName: string },
    signature: string[],
    returnType: string,
    callback: (...args: any[]) => unknown,
  ): void;
}

let loaded: FontoXPath | undefined;
/** Loaded on the first EDI document rather than at start (~0.25 s). */
const fontoxpath = (): FontoXPath => (loaded ??= createRequire(import.meta.url)('fontoxpath') as FontoXPath);

export const evaluateXPathToBoolean: FontoXPath['evaluateXPathToBoolean'] = (...args) =>
  fontoxpath().evaluateXPathToBoolean(...args);
export const evaluateXPathToNodes: FontoXPath['evaluateXPathToNodes'] = (...args) =>
  fontoxpath().evaluateXPathToNodes(...args);
export const evaluateXPathToString: FontoXPath['evaluateXPathToString'] = (...args) =>
  fontoxpath().evaluateXPathToString(...args);
export const registerCustomXPathFunction: FontoXPath['registerCustomXPathFunction'] = (...args) =>
  fontoxpath().registerCustomXPathFunction(...args);
