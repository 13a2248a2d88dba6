/**
 * Issue 13: no one-letter names outside short lambdas.
 *
 * Reports every one-letter identifier declared in shipped code (src/ and scripts/, not tests) as a
 * parameter, variable, function, class, catch binding or loop variable, except:
 *   - parameters of a short lambda: an arrow function whose body is an expression, not a block
 *     (`rows.map((r) => r.id)`, `(a, b) => a - b`), including names destructured in those parameters;
 *   - `_` (an unused value);
 *   - type parameters (`T`, `K`), which are not values.
 *
 * Output: `file:line:col name (kind)` per offence and exit 1, or a one-line summary and exit 0.
 * Run: npm run lint:names   (or npx tsx scripts/check-names.ts [root])
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type Offence = { file: string; line: number; col: number; name: string; kind: string };

const SOURCE_ROOTS = ['src', 'scripts'];

/** Test code is out of scope: *.test.ts, test-fixtures.ts and anything under a testing/ folder. */
export function isCheckedFile(relativePath: string): boolean {
  const posix = relativePath.split(path.sep).join('/');
  if (!posix.endsWith('.ts') || posix.endsWith('.d.ts')) return false;
  if (posix.endsWith('.test.ts') || posix.endsWith('/test-fixtures.ts') || posix === 'test-fixtures.ts') return false;
  if (posix.split('/').includes('testing')) return false;
  return SOURCE_ROOTS.some((root) => posix.startsWith(`${root}/`));
}

/** Every checked file under root, relative to it, sorted (deterministic order). */
export function checkedFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(path.join(root, directory), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const relative = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (isCheckedFile(relative)) files.push(relative);
    }
  };
  for (const sourceRoot of SOURCE_ROOTS) if (existsSync(path.join(root, sourceRoot))) walk(sourceRoot);
  return files.sort();
}

export function isShortLambda(node: ts.Node): boolean {
  return ts.isArrowFunction(node) && !ts.isBlock(node.body);
}

/** The parameter a binding name belongs to, walking out through destructuring patterns. */
function enclosingParameter(node: ts.Node): ts.ParameterDeclaration | undefined {
  let current: ts.Node = node.parent;
  while (ts.isBindingElement(current) || ts.isObjectBindingPattern(current) || ts.isArrayBindingPattern(current)) {
    current = current.parent;
  }
  return ts.isParameter(current) ? current : undefined;
}

/** The kind of declaration a one-letter identifier names, or undefined when it is not a declaration we check. */
export function declarationKind(identifier: ts.Identifier): string | undefined {
  const parent = identifier.parent;
  if (ts.isParameter(parent) && parent.name === identifier) return 'parameter';
  if (ts.isBindingElement(parent) && parent.name === identifier) {
    return enclosingParameter(parent) ? 'parameter' : 'destructured variable';
  }
  if (ts.isVariableDeclaration(parent) && parent.name === identifier) {
    const list = parent.parent;
    const statement = list?.parent;
    if (
      statement &&
      (ts.isForOfStatement(statement) || ts.isForInStatement(statement) || ts.isForStatement(statement))
    ) {
      return 'loop variable';
    }
    if (ts.isCatchClause(list)) return 'catch binding';
    return 'variable';
  }
  if ((ts.isFunctionDeclaration(parent) || ts.isFunctionExpression(parent)) && parent.name === identifier)
    return 'function';
  if ((ts.isClassDeclaration(parent) || ts.isClassExpression(parent)) && parent.name === identifier) return 'class';
  return undefined;
}

/** True when a one-letter declaration is allowed: `_`, or a (possibly destructured) parameter of a short lambda. */
export function isAllowed(identifier: ts.Identifier, kind: string): boolean {
  if (identifier.text === '_') return true;
  if (kind !== 'parameter') return false;
  const parameter = ts.isParameter(identifier.parent) ? identifier.parent : enclosingParameter(identifier.parent);
  return parameter !== undefined && isShortLambda(parameter.parent);
}

export function offencesIn(sourceFile: ts.SourceFile, file: string): Offence[] {
  const offences: Offence[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text.length === 1) {
      const kind = declarationKind(node);
      if (kind && !isAllowed(node, kind)) {
        const { line, character } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
        offences.push({ file, line: line + 1, col: character + 1, name: node.text, kind });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return offences;
}

export function checkNames(root: string): { files: number; offences: Offence[] } {
  const files = checkedFiles(root);
  const offences = files.flatMap((file) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    return offencesIn(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS), file);
  });
  return { files: files.length, offences };
}

function main(): void {
  const root = path.resolve(process.argv[2] ?? '.');
  const { files, offences } = checkNames(root);
  for (const offence of offences) {
    console.log(`${offence.file}:${offence.line}:${offence.col} ${offence.name} (${offence.kind})`);
  }
  if (offences.length > 0) {
    console.error(`check-names: ${offences.length} one-letter name(s) outside short lambdas in ${files} files`);
    process.exit(1);
  }
  console.log(`check-names: ${files} files, no one-letter names outside short lambdas`);
}

if (process.argv[1]?.endsWith('check-names.ts')) main();
