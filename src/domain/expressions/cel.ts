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
export const CEL_LIMITS = Object.freeze({ maxDepth: 24, maxAstNodes: 256, maxListElements: 200, maxMapEntries: 100, maxCallArguments: 8 });
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
  let env = new Environment({ limits: CEL_LIMITS, unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false });
  for (const [name, t] of Object.entries(variables)) {
    env = typeof t === 'string'
      ? env.registerVariable(name, t)
      : env.registerVariable({ name, schema: { ...t } });
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
  const chain = (n: ASTNode): string | null => {
    if (n.op === 'id') return n.args;
    if (n.op === '.') {
      const base = chain(n.args[0]);
      return base === null ? null : `${base}.${n.args[1]}`;
    }
    return null;
  };
  const visit = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) { for (const x of n) visit(x); return; }
    const node = n as ASTNode;
    if (typeof node.op !== 'string') return;
    if (node.op === 'id' || node.op === '.') {
      const p = chain(node);
      if (p !== null) {
        if (roots.has(p.split('.')[0]!)) found.add(p);
        return;
      }
    }
    visit(node.args);
  };
  visit(ast);
  return [...found];
}
