/**
 * The one CEL environment factory. Conditions are data written by analysts (process
 * definitions, routing strategies), so every CEL environment in Ordo is built here, with the
 * same parse-time limits and options; each user passes only its variable declarations.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { ASTNode } from '@marcbachmann/cel-js';

/**
 * Parse-time limits: a hostile or careless expression costs no more than a lookup.
 * Where the process and routing environments differed, the stricter value was kept.
 */
export const CEL_LIMITS = Object.freeze({
  maxDepth: 24,
  maxAstNodes: 256,
  maxListElements: 200,
  maxMapEntries: 100,
  maxCallArguments: 8,
});
/** Characters in one expression; checked before parsing. */
export const MAX_EXPRESSION_LENGTH = 1000;

/**
 * A variable: a CEL type name (`'string'`, `'map'`, `'list<string>'`,
 * `'google.protobuf.Timestamp'`) or an object whose fields each have a type name.
 */
export type CelVariableType = string | Readonly<Record<string, string>>;
export type CelVariables = Readonly<Record<string, CelVariableType>>;

/**
 * A new environment with the shared limits and the given variables. Building one is costly:
 * callers build theirs once and share it (an Environment is not mutated by parse or check).
 * Undeclared variables are errors; list and map literals may mix types (list<dyn>), as
 * conditions compare facts with dyn attributes.
 */
export function createCelEnvironment(variables: CelVariables): Environment {
  let env = new Environment({
    limits: CEL_LIMITS,
    unlistedVariablesAreDyn: false,
    homogeneousAggregateLiterals: false,
  });
  for (const [name, variable] of Object.entries(variables)) {
    env =
      typeof variable === 'string'
        ? env.registerVariable(name, variable)
        : env.registerVariable({ name, schema: { ...variable } });
  }
  return env;
}

/** Null when the text is within MAX_EXPRESSION_LENGTH, else the message to report. */
export function expressionLengthProblem(text: string): string | null {
  return text.length > MAX_EXPRESSION_LENGTH
    ? `expression is ${text.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`
    : null;
}

/**
 * Dotted variable paths an expression reads (`order.total`, `customer.availableCredit`)
 * whose first segment is one of `roots`, for traces and validation.
 */
export function readPaths(ast: ASTNode, roots: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  const chain = (count: ASTNode): string | null => {
    if (count.op === 'id') return count.args;
    if (count.op === '.') {
      const base = chain(count.args[0]);
      return base === null ? null : `${base}.${count.args[1]}`;
    }
    return null;
  };
  const visit = (count: unknown): void => {
    if (!count || typeof count !== 'object') return;
    if (Array.isArray(count)) {
      for (const item of count) visit(item);
      return;
    }
    const node = count as ASTNode;
    if (typeof node.op !== 'string') return;
    if (node.op === 'id' || node.op === '.') {
      const value = chain(node);
      if (value !== null) {
        if (roots.has(value.split('.')[0]!)) found.add(value);
        return;
      }
    }
    visit(node.args);
  };
  visit(ast);
  return [...found];
}
