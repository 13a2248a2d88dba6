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

const fontoxpath = createRequire(import.meta.url)('fontoxpath') as FontoXPath;

export const { evaluateXPathToBoolean, evaluateXPathToNodes, evaluateXPathToString, registerCustomXPathFunction } =
  fontoxpath;
