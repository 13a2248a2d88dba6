/**
 * Issue 13, one-off codemod: renames every one-letter name that scripts/check-names.ts reports to a
 * descriptive name, with the language service's rename (every reference follows, across files).
 *
 *   npx tsx scripts/rename-short-names.ts            rename and save
 *   npx tsx scripts/rename-short-names.ts --dry-run  print the planned renames, change nothing
 *
 * Deterministic and re-runnable: files are visited in sorted order, declarations in source order,
 * the offender list comes from check-names (the single definition of what is allowed), and a
 * rename is only accepted when the new name is not declared or referenced anywhere in the
 * declaration's scope (so nothing is shadowed and no reference changes meaning). A second run on an
 * already renamed tree does nothing.
 */
import path from 'node:path';
import { Node, Project, SyntaxKind, ts, type Identifier, type SourceFile } from 'ts-morph';
import typescript from 'typescript';
import { checkedFiles, offencesIn, type Offence } from './check-names.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dryRun = process.argv.includes('--dry-run');

/**
 * Names the heuristics cannot guess, keyed by `file basename:enclosing function or '-':old name`
 * (robust to files moving between folders). Keep it short; prefer improving the heuristics.
 */
const OVERRIDES: Record<string, string> = {
  'secrets.ts:-:N': 'SCRYPT_COST',
  'secrets.ts:-:R': 'SCRYPT_BLOCK_SIZE',
  'secrets.ts:-:P': 'SCRYPT_PARALLELISM',
  'secrets.ts:verifyPassword:n': 'cost',
  'secrets.ts:verifyPassword:r': 'blockSize',
  'secrets.ts:verifyPassword:p': 'parallelism',
  'built-in-templates.ts:-:t': 'template',
  'crud.ts:-:t:variable': 'untyped',
  'crud.ts:-:t:parameter': 'table',
  'crud.ts:-:r:parameter': 'rows',
  'url-policy.ts:pointsAtSelf:h': 'host',
  'url-policy.ts:isPrivateV4:a': 'firstOctet',
  'url-policy.ts:isPrivateV4:b': 'secondOctet',
  'url-policy.ts:isPrivateHost:v': 'ipVersion',
  'url-policy.ts:pointsAtSelf:p': 'hostPort',
  'versioned-store.ts:diffVersions:a': 'fromVersion',
  'versioned-store.ts:diffVersions:b': 'toVersion',
};

/** Conventional meaning of a letter, used when neither type nor initializer says more. */
const LETTER_FALLBACK: Record<string, string[]> = {
  a: ['left', 'first'], b: ['right', 'second'], c: [], d: ['date'], e: ['entry', 'error'], f: ['file'],
  g: ['group'], h: ['hash'], i: ['index'], j: ['inner', 'column'], k: ['key', 'cacheKey', 'mapKey'], l: ['line'], m: ['match'],
  n: ['count', 'size'], o: ['value', 'object'], p: ['value'], q: ['query', 'filter'], r: ['result'], s: ['value'], t: [],
  u: ['user'], v: ['value'], w: [], x: ['value'], y: ['other'], z: ['last'],
};
/** The same for string- and number-typed names. */
const STRING_FALLBACK: Record<string, string[]> = {
  c: ['code'], h: ['host'], k: ['key', 'cacheKey'], l: ['label'], n: ['name'], p: ['path'], s: ['text'], t: ['text'], u: ['url'], v: ['value'], x: ['text'],
};
const NUMBER_FALLBACK: Record<string, string[]> = {
  c: ['count'], d: ['delta'], h: ['height'], i: ['index'], n: ['count'], p: ['position'], t: ['time'], w: ['width'], x: ['posX'], y: ['posY'],
  v: ['value'], s: ['size'], k: ['index', 'position'], m: ['minutes'], l: ['loc'], j: ['inner'], q: ['quantity'], r: ['remaining'], a: ['amount'],
};

const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with implements interface let ' +
    'package private protected public static yield await arguments eval undefined NaN Infinity async of type from as').split(' '),
);

/** What a loop variable's letter usually stands for when the collection's name does not say. */
const LOOP_LETTER: Record<string, string[]> = { l: ['line'], o: ['order'], r: ['row'], e: ['entry'] };

/** Type names mapped straight to a variable name (checked before the generic lower-camel rule). */
const TYPE_NAMES: Record<string, string[]> = {
  SelectQueryBuilder: ['query'], UpdateQueryBuilder: ['query'], InsertQueryBuilder: ['query'], DeleteQueryBuilder: ['query'],
  TenantScope: ['scope', 'store'], Work: ['work'], Actor: ['actor'], Clock: ['clock'], Db: ['db'], Conn: ['conn'],
  Transaction: ['trx'], Kysely: ['db'], Error: ['error'], UnitOfWork: ['unitOfWork'], Logger: ['log'],
  FastifyInstance: ['app'], FastifyRequest: ['request'], FastifyReply: ['reply'], RegExpMatchArray: ['match'],
  RegExpExecArray: ['match'], Buffer: ['buffer'], URL: ['url'], Money: ['amount'], bigint: [], string: [], number: [],
  boolean: ['flag'], unknown: [], any: [], object: [], never: [], void: [], Record: [], Map: [], Set: [], Array: [],
  ReadonlyArray: [], Partial: [], Readonly: [], Required: [], Pick: [], Omit: [], Promise: [], Selectable: [],
  Insertable: [], Updateable: [], Date: ['now', 'at'], Temporal: [], Function: [], T: [],
};

const VERB_PREFIX = /^(get|load|find|read|fetch|create|build|make|compute|parse|resolve|to|new|as|select|collect|lookup|decode|encode|format|render|run|apply|pick|take|match|ensure|normalize|validate|check)(?=[A-Z])/;

// ---------------------------------------------------------------------------------------------
// Naming helpers

function lowerFirst(name: string): string {
  if (/^[A-Z0-9_]+$/.test(name)) return name.toLowerCase();
  const leadingCaps = /^[A-Z]+(?=[A-Z][a-z]|$)/.exec(name)?.[0];
  if (leadingCaps && leadingCaps.length > 1) return leadingCaps.toLowerCase() + name.slice(leadingCaps.length);
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function singular(name: string): string | undefined {
  if (!/s$/.test(name) || /(ss|status|bonus|basis|analysis|axis|plus|minus|this|alias|canvas)$/i.test(name)) return undefined;
  if (/ies$/.test(name)) return name.slice(0, -3) + 'y';
  if (/(ches|shes|sses|xes|zes|uses|sses)$/.test(name)) return name.slice(0, -2);
  if (/(address|status)es$/.test(name)) return name.slice(0, -2);
  return name.slice(0, -1);
}

function plural(name: string): string {
  if (/[^aeiou]y$/.test(name)) return name.slice(0, -1) + 'ies';
  if (/(s|x|ch|sh)$/.test(name)) return name + 'es';
  return name + 's';
}

/** The last word-ish name of an expression: `input.lines` → lines, `order.lines.entries()` → lines. */
function expressionName(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isNonNullExpression(node) || Node.isSatisfiesExpression(node)) {
    return expressionName(node.getExpression());
  }
  if (Node.isAwaitExpression(node)) return expressionName(node.getExpression());
  if (Node.isBinaryExpression(node)) return expressionName(node.getLeft());
  if (Node.isArrayLiteralExpression(node) && node.getElements().length === 1) {
    const only = node.getElements()[0]!;
    return expressionName(Node.isSpreadElement(only) ? only.getExpression() : undefined);
  }
  if (Node.isIdentifier(node)) return camelFromConstant(node.getText());
  if (Node.isPropertyAccessExpression(node)) return camelFromConstant(node.getName());
  if (Node.isElementAccessExpression(node)) return expressionName(node.getExpression());
  if (Node.isCallExpression(node)) {
    const callee = node.getExpression();
    if (Node.isPropertyAccessExpression(callee)) {
      const method = callee.getName();
      // Wrappers that keep the element type: name after what they wrap.
      if (['entries', 'values', 'slice', 'filter', 'sort', 'toSorted', 'reverse', 'concat', 'flat'].includes(method)) return expressionName(callee.getExpression());
      if (method === 'keys') return undefined;
      return method;
    }
    return expressionName(callee);
  }
  return undefined;
}

/** A name for one element of a collection expression: `orders` → order, else item. */
function elementName(collection: Node | undefined): string[] {
  const name = collection ? expressionName(collection) : undefined;
  if (name) {
    const one = singular(stripVerb(name));
    if (one && one.length > 1) return [one];
    if (/^by[A-Z]/.test(name)) return [];
  }
  return ['item'];
}

/** `DEMO_CHANNELS` → channels (the last word of a constant's name). */
function camelFromConstant(name: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return name;
  return name.split('_').filter(Boolean).pop()!.toLowerCase();
}

function stripVerb(name: string): string {
  const stripped = name.replace(VERB_PREFIX, '');
  return stripped === name ? name : lowerFirst(stripped);
}

/** True when a node's type (or a callee) is declared in a library (node_modules, lib.d.ts): its name says little here. */
function declaredInLibrary(symbol: import('ts-morph').Symbol | undefined): boolean {
  const declarations = symbol?.getDeclarations() ?? [];
  return declarations.length > 0 && declarations.every((each) => each.getSourceFile().getFilePath().includes('/node_modules/'));
}

function isLibraryType(declaration: Node): boolean {
  const type = declaration.getType();
  return declaredInLibrary(type.getAliasSymbol() ?? type.getSymbol());
}

/** Candidate names from a type: the annotation when there is one, else the checker's alias or symbol name. */
function namesFromType(declaration: Node): string[] {
  let text: string | undefined;
  if (Node.isParameterDeclaration(declaration) || Node.isVariableDeclaration(declaration)) text = declaration.getTypeNode()?.getText();
  if (!text) {
    const type = declaration.getType();
    const alias = type.getAliasSymbol()?.getName();
    const symbol = type.getSymbol()?.getName();
    if (alias && !alias.startsWith('__')) text = alias;
    else if (type.isArray()) {
      const element = type.getArrayElementType();
      const elementName = element?.getAliasSymbol()?.getName() ?? element?.getSymbol()?.getName();
      text = elementName && !elementName.startsWith('__') ? `${elementName}[]` : undefined;
    } else if (symbol && !symbol.startsWith('__')) text = symbol;
    else if (type.isString() || type.isStringLiteral()) text = 'string';
    else if (type.isNumber() || type.isNumberLiteral()) text = 'number';
  }
  if (!text) return [];
  text = text.replace(/\breadonly\s+/g, '').replace(/\s*\|\s*(undefined|null)\b/g, '').trim();
  const promise = /^Promise<(.*)>$/.exec(text);
  if (promise) text = promise[1]!;
  let isArray = false;
  const arrayMatch = /^(?:Array|ReadonlyArray)<(.*)>$/.exec(text) ?? /^(.*)\[\]$/.exec(text);
  if (arrayMatch) {
    text = arrayMatch[1]!;
    isArray = true;
  }
  const base = /^([A-Za-z_$][\w$]*)(?:\.[A-Za-z_$][\w$]*)*/.exec(text)?.[0];
  if (!base || base !== text.replace(/<.*>$/s, '')) return [];
  const simple = base.split('.').pop()!;
  if (simple in TYPE_NAMES) {
    const mapped = TYPE_NAMES[simple]!;
    return isArray ? mapped.map(plural) : mapped;
  }
  if (simple.length < 2 || !/^[A-Z]/.test(simple)) return [];
  if (isLibraryType(declaration)) return [];
  const name = lowerFirst(simple.replace(/(Row|Input|Record|Data|Info|Spec|Props|Options)$/, (suffix) => (simple.length > suffix.length + 2 ? '' : suffix)));
  const full = lowerFirst(simple);
  const lastWord = /[A-Z][a-z0-9]+$/.exec(simple)?.[0];
  const tail = lastWord && lastWord.length > 2 ? [lowerFirst(lastWord)] : [];
  const names = [...new Set(/^(Any|Raw|Base|Plain|Generic|New)[A-Z]/.test(simple) ? [...tail, name, full] : [name, full, ...tail])];
  return isArray ? names.map(plural) : names;
}

/** Candidate names from an initializer expression. */
function namesFromInitializer(initializer: Node | undefined): string[] {
  if (!initializer) return [];
  let expression = initializer;
  while (Node.isAwaitExpression(expression) || Node.isParenthesizedExpression(expression) || Node.isAsExpression(expression) || Node.isNonNullExpression(expression) || Node.isSatisfiesExpression(expression)) {
    expression = expression.getExpression();
  }
  if (Node.isBinaryExpression(expression) && /^(\?\?|\|\|)$/.test(expression.getOperatorToken().getText())) return namesFromInitializer(expression.getLeft());
  if (Node.isConditionalExpression(expression)) return [...namesFromInitializer(expression.getWhenTrue()), ...namesFromInitializer(expression.getWhenFalse())];
  const text = expression.getText();
  if (Node.isNewExpression(expression)) {
    const className = expression.getExpression().getText().split('.').pop()!;
    if (className === 'Date') return expression.getArguments().length === 0 ? ['now'] : ['date'];
    if (className === 'Map' || className === 'Set') return [];
    return [lowerFirst(className), `new${className.charAt(0).toUpperCase()}${className.slice(1)}`];
  }
  if (Node.isCallExpression(expression)) {
    const callee = expression.getExpression();
    const method = Node.isPropertyAccessExpression(callee) ? callee.getName() : callee.getText();
    if (/^executeTakeFirst(OrThrow)?$/.test(method)) return ['row', 'result'];
    if (method === 'execute') return /\.(select|returning)(All)?\(/.test(text) && !/^(?:\w+\.)*(insertInto|updateTable|deleteFrom)\(/.test(text.replace(/^.*?\b(insertInto|updateTable|deleteFrom|selectFrom)\(/s, '$1(')) ? ['rows', 'result'] : ['result'];
    if (/^(selectFrom|updateTable|insertInto|deleteFrom|where|select|orderBy|innerJoin|leftJoin)$/.test(method)) return ['query'];
    if (method === 'now') return ['now'];
    if (/^(exec|match)$/.test(method)) return ['match'];
    if (method === 'indexOf' || method === 'findIndex') return ['index'];
    if (method === 'safeParse') return ['parsed'];
    if (/^(filter|slice|toSorted|sort)$/.test(method) && Node.isPropertyAccessExpression(callee)) {
      const receiver = expressionName(callee.getExpression());
      if (receiver && singular(receiver)) return [receiver];
    }
    if (/^(find|at|get|shift|pop)$/.test(method) && Node.isPropertyAccessExpression(callee)) return elementName(callee.getExpression());
    const calleeName = Node.isPropertyAccessExpression(callee) ? callee.getNameNode() : callee;
    if (declaredInLibrary(calleeName.getSymbol())) return [];
    // `sender.send()`, `store.peek()`: a one-word method is a verb, not a name for its result.
    if (Node.isPropertyAccessExpression(callee) && /^[a-z]+$/.test(method)) return [];
    const noun = stripVerb(method.split('.').pop()!);
    if (noun.length > 1 && !/^(then|call|apply|bind|from|of|join|split|trim|reduce|toString|map|filter|toFixed|all|resolve|str|num|int)$/.test(noun)) {
      const lastWord = /[A-Z][a-z0-9]+$/.exec(noun)?.[0];
      return lastWord && lastWord.length > 2 && !/^(One|All|Many|Each|Any|Some|Over|For|With|By|In|To|Of)$/.test(lastWord) ? [noun, lowerFirst(lastWord)] : [noun];
    }
    return [];
  }
  if (Node.isIdentifier(expression) && expression.getText().length > 1) {
    const name = expression.getText();
    return [`current${name.charAt(0).toUpperCase()}${name.slice(1)}`];
  }
  if (Node.isPropertyAccessExpression(expression)) {
    const owner = expressionName(expression.getExpression());
    const property = camelFromConstant(expression.getName());
    return owner && owner.length > 1 ? [property, owner + property.charAt(0).toUpperCase() + property.slice(1)] : [property];
  }
  if (Node.isElementAccessExpression(expression)) return elementName(expression.getExpression());
  return [];
}

/** A counter named after its bound: `l < m.locs.length` → locIndex, `i < nLines` → lineIndex. */
function forBoundNames(statement: Node): string[] {
  if (!Node.isForStatement(statement)) return [];
  const condition = statement.getCondition();
  if (!condition || !Node.isBinaryExpression(condition)) return [];
  const bound = condition.getRight();
  let collection: string | undefined;
  if (Node.isPropertyAccessExpression(bound) && bound.getName() === 'length') collection = expressionName(bound.getExpression());
  else if (Node.isIdentifier(bound) && /^n[A-Z]\w+$/.test(bound.getText())) collection = lowerFirst(bound.getText().slice(1));
  else if (Node.isPropertyAccessExpression(bound) && /^\w+Count$/.test(bound.getName())) collection = bound.getName().slice(0, -'Count'.length);
  if (!collection) return [];
  const one = singular(collection) ?? collection;
  return one.length > 1 ? [`${one}Index`] : [];
}

/** The call a callback argument is passed to, and which argument it is: `rows.forEach((r) => {…})`. */
function callbackNames(parameter: Node, index: number, letter: string): string[] {
  const fn = parameter.getParent();
  const call = fn?.getParent();
  if (!fn || !call || !Node.isCallExpression(call)) return [];
  const callee = call.getExpression();
  if (!Node.isPropertyAccessExpression(callee)) return [];
  const method = callee.getName();
  const receiver = callee.getExpression();
  if (method === 'sort' || method === 'toSorted') return index === 0 ? ['left'] : ['right'];
  if (method === 'reduce' && index === 0) return ['accumulator'];
  if (/^(map|forEach|filter|some|every|find|findIndex|flatMap|reduce)$/.test(method)) {
    const elementIndex = method === 'reduce' ? 1 : 0;
    if (index === elementIndex) return elementName(receiver);
    if (index === elementIndex + 1) return ['index'];
  }
  if (method === 'then') return index === 0 ? ['result'] : ['error'];
  if (/^(catch)$/.test(method)) return ['error'];
  if (/^(on|once)$/.test(method) && letter === 'e') return ['error', 'event'];
  return [];
}

// ---------------------------------------------------------------------------------------------
// Scopes and collisions

/** The declaration node an offending identifier names (parameter, variable, binding element, function, class). */
function declarationOf(identifier: Identifier): Node {
  return identifier.getParentOrThrow();
}

/** The node whose text contains every reference to the declaration. */
function scopeOf(declaration: Node): Node {
  let node: Node = declaration;
  while (Node.isBindingElement(node) || Node.isObjectBindingPattern(node) || Node.isArrayBindingPattern(node)) node = node.getParentOrThrow();
  if (Node.isParameterDeclaration(node)) return node.getParentOrThrow();
  if (Node.isVariableDeclaration(node)) {
    const list = node.getParentOrThrow();
    if (Node.isCatchClause(list)) return list;
    const statement = list.getParentOrThrow();
    if (Node.isForOfStatement(statement) || Node.isForInStatement(statement) || Node.isForStatement(statement)) return statement;
    const isVar = Node.isVariableDeclarationList(list) && (list.getFlags() & ts.NodeFlags.BlockScoped) === 0;
    return (isVar ? node.getFirstAncestor((ancestor) => Node.isFunctionLikeDeclaration(ancestor) || Node.isSourceFile(ancestor)) : undefined) ?? blockOf(node);
  }
  return blockOf(node);
}

function blockOf(node: Node): Node {
  return node.getFirstAncestor((ancestor) => Node.isBlock(ancestor) || Node.isSourceFile(ancestor) || Node.isModuleBlock(ancestor) || Node.isCaseBlock(ancestor))!;
}

/** Identifier texts in a node that name something (not property names after a dot or keys of literals). */
function namesUsedIn(scope: Node): Set<string> {
  const names = new Set<string>();
  for (const identifier of scope.getDescendantsOfKind(SyntaxKind.Identifier)) {
    const parent = identifier.getParent();
    if (parent) {
      if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === identifier) continue;
      if ((Node.isPropertyAssignment(parent) || Node.isPropertySignature(parent) || Node.isPropertyDeclaration(parent) || Node.isMethodDeclaration(parent) || Node.isMethodSignature(parent) || Node.isGetAccessorDeclaration(parent) || Node.isSetAccessorDeclaration(parent)) && parent.getNameNode() === identifier) continue;
      if (Node.isBindingElement(parent) && parent.getPropertyNameNode() === identifier) continue;
      if (Node.isQualifiedName(parent) && parent.getRight() === identifier) continue;
    }
    names.add(identifier.getText());
  }
  return names;
}

/** Names declared at the top of a file (imports and top-level declarations). */
function fileLevelNames(sourceFile: SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of sourceFile.getStatements()) {
    if (Node.isImportDeclaration(statement)) {
      const clause = statement.getImportClause();
      const defaultImport = clause?.getDefaultImport();
      if (defaultImport) names.add(defaultImport.getText());
      const namespace = clause?.getNamespaceImport();
      if (namespace) names.add(namespace.getText());
      for (const named of clause?.getNamedImports() ?? []) names.add((named.getAliasNode() ?? named.getNameNode()).getText());
    } else if (Node.isVariableStatement(statement)) {
      for (const declaration of statement.getDeclarations()) names.add(declaration.getName());
    } else if (Node.isFunctionDeclaration(statement) || Node.isClassDeclaration(statement)) {
      const name = statement.getName();
      if (name) names.add(name);
    }
  }
  return names;
}

function enclosingFunctionName(node: Node): string {
  const fn = node.getFirstAncestor((ancestor) => Node.isFunctionDeclaration(ancestor) || Node.isMethodDeclaration(ancestor));
  return (fn && (Node.isFunctionDeclaration(fn) || Node.isMethodDeclaration(fn)) ? fn.getName() : undefined) ?? '-';
}

// ---------------------------------------------------------------------------------------------
// Choosing a name

function candidates(identifier: Identifier, kind: string): string[] {
  const letter = identifier.getText();
  const declaration = declarationOf(identifier);
  const sourceFile = identifier.getSourceFile();
  const key = `${sourceFile.getBaseName()}:${enclosingFunctionName(declaration)}:${letter}`;
  const override = OVERRIDES[`${key}:${kind}`] ?? OVERRIDES[key];
  const list: string[] = [];
  if (override) list.push(override);

  if (kind === 'catch binding') list.push('error', 'err', 'caught');

  // Destructuring: `[i, x] of xs.entries()`, `[k, v] of Object.entries(o)`, `{ order: o }`.
  if (Node.isBindingElement(declaration)) {
    const propertyName = declaration.getPropertyNameNode()?.getText();
    if (propertyName && /^[A-Za-z_$][\w$]*$/.test(propertyName) && propertyName.length > 1) list.push(propertyName);
    const pattern = declaration.getParentOrThrow();
    if (Node.isArrayBindingPattern(pattern)) {
      const position = pattern.getElements().indexOf(declaration);
      const holder = pattern.getParentOrThrow();
      let source: Node | undefined;
      if (Node.isVariableDeclaration(holder)) {
        const statement = holder.getParent()?.getParent();
        source = statement && (Node.isForOfStatement(statement) || Node.isForInStatement(statement)) ? statement.getExpression() : holder.getInitializer();
      }
      const sourceText = source?.getText() ?? '';
      if (source && Node.isCallExpression(source)) {
        const callee = source.getExpression();
        const method = Node.isPropertyAccessExpression(callee) ? callee.getName() : '';
        if (method === 'entries' && Node.isPropertyAccessExpression(callee) && callee.getExpression().getText() !== 'Object') {
          list.push(...(position === 0 ? ['index'] : elementName(callee.getExpression())));
        } else if (/^Object\.entries\(/.test(sourceText)) {
          const one = singular(expressionName(source.getArguments()[0]) ?? '');
          list.push(...(position === 0 ? ['key'] : one && one.length > 1 ? [one, 'value'] : ['value']));
        }
      }
      if (source && (Node.isIdentifier(source) || Node.isPropertyAccessExpression(source)) && /^(k|key|v|value|i|n|id)$/.test(letter) === false) {
        // A Map iterated as [key, value]: name the value after the map.
        const mapName = expressionName(source);
        const byKey = mapName && /^(\w+?)By[A-Z]\w*$/.exec(mapName)?.[1];
        if (position === 1 && byKey) list.push(singular(byKey) ?? byKey);
      }
      const type = declaration.getType();
      if (type.isNumber()) list.push(...(NUMBER_FALLBACK[letter] ?? []));
      else if (type.isString()) list.push(...(STRING_FALLBACK[letter] ?? []));
      else list.push(...namesFromType(declaration));
      if (letter === 'k' || letter === 'i') list.push(position === 0 ? (letter === 'k' ? 'key' : 'index') : 'value');
      if (source && Node.isArrayLiteralExpression(source)) list.push(...(LETTER_FALLBACK[letter] ?? []));
      if (letter === 'v' || position === 1) list.push('value');
      if (position === 0 && !list.length) list.push('key');
    }
  }

  // Loop variables: by the iterated collection.
  const loopStatement = Node.isVariableDeclaration(declaration) ? declaration.getParent()?.getParent() : undefined;
  if (loopStatement && (Node.isForOfStatement(loopStatement) || Node.isForInStatement(loopStatement))) {
    if (Node.isForInStatement(loopStatement)) list.push('key');
    else {
      const fromCollection = elementName(loopStatement.getExpression()).filter((name) => name !== 'item');
      const numeric = declaration.getType().isNumber();
      list.push(...fromCollection, ...namesFromType(declaration), ...(numeric ? NUMBER_FALLBACK[letter] ?? [] : LOOP_LETTER[letter] ?? []), 'item');
    }
  }
  if (loopStatement && Node.isForStatement(loopStatement)) list.push(...forBoundNames(loopStatement), ...(NUMBER_FALLBACK[letter] ?? []), letter === 'j' ? 'inner' : 'index', 'step');

  // Parameters of callbacks passed to array methods.
  if (Node.isParameterDeclaration(declaration)) {
    const fn = declaration.getParentOrThrow();
    const index = Node.isFunctionLikeDeclaration(fn) || Node.isArrowFunction(fn) || Node.isFunctionExpression(fn) ? (fn as any).getParameters().indexOf(declaration) : -1;
    if (index >= 0) list.push(...callbackNames(declaration, index, letter));
    const siblings: string[] = index >= 0 ? (fn as any).getParameters().map((parameter: Node) => (parameter as any).getName()) : [];
    if ((letter === 'a' && siblings.includes('b')) || (letter === 'b' && siblings.includes('a'))) list.push(letter === 'a' ? 'left' : 'right');
  }

  // An unknown or any `e` outside a loop is almost always a caught or rejected error.
  if (letter === 'e' && (declaration.getType().isUnknown() || declaration.getType().isAny()) && !loopStatement) list.push('error');

  // Coordinates and sizes.
  if (/^[xywh]$/.test(letter) && declaration.getType().isNumber()) list.push(...NUMBER_FALLBACK[letter]!);

  // The declared or inferred type.
  const typeNames = namesFromType(declaration);
  for (const name of typeNames) {
    if (name === 'scope' && fileLevelNames(sourceFile).has('scope')) continue;
    if (name === 'now' && Node.isParameterDeclaration(declaration)) continue;
    list.push(name);
  }

  // The initializer.
  if (Node.isVariableDeclaration(declaration)) list.push(...namesFromInitializer(declaration.getInitializer()));

  // Functions named after what they return is guesswork; use the letter's convention.
  const type = declaration.getType();
  const typed = type.isString() || type.isStringLiteral() ? STRING_FALLBACK : type.isNumber() || type.isNumberLiteral() ? NUMBER_FALLBACK : undefined;
  list.push(...(typed?.[letter.toLowerCase()] ?? []), ...(LETTER_FALLBACK[letter.toLowerCase()] ?? []), 'value');
  return list;
}

function isValidName(name: string): boolean {
  return name.length > 1 && /^[A-Za-z_$][\w$]*$/.test(name) && !RESERVED.has(name);
}

/** The first candidate not declared or referenced in the declaration's scope, else the first with a number. */
function chooseName(identifier: Identifier, kind: string): string {
  const declaration = declarationOf(identifier);
  const scope = scopeOf(declaration);
  const taken = namesUsedIn(scope);
  // A top-level declaration is visible to the whole file; its importers are checked by the rename itself.
  if (Node.isSourceFile(scope)) for (const name of fileLevelNames(scope)) taken.add(name);
  const list = candidates(identifier, kind).filter(isValidName);
  const unique = [...new Set(list)];
  for (const name of unique) if (!taken.has(name)) return name;
  const base = unique[0] ?? 'value';
  for (let suffix = 2; ; suffix++) if (!taken.has(`${base}${suffix}`)) return `${base}${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// Tidying: `{ order: order }` → `{ order }` where a rename produced it.

function collapseRedundantPropertyNames(sourceFile: SourceFile, names: Set<string>): void {
  const edits: [number, number][] = [];
  sourceFile.forEachDescendant((node) => {
    if (Node.isBindingElement(node)) {
      const property = node.getPropertyNameNode();
      if (property && Node.isIdentifier(property) && property.getText() === node.getName() && names.has(node.getName())) edits.push([property.getStart(), node.getNameNode().getStart()]);
    } else if (Node.isPropertyAssignment(node)) {
      const initializer = node.getInitializer();
      const key = node.getNameNode();
      if (initializer && Node.isIdentifier(key) && Node.isIdentifier(initializer) && key.getText() === initializer.getText() && names.has(key.getText())) edits.push([key.getStart(), initializer.getStart()]);
    }
  });
  for (const [start, end] of edits.sort((left, right) => right[0] - left[0])) sourceFile.removeText(start, end);
}

// ---------------------------------------------------------------------------------------------

function findIdentifier(sourceFile: SourceFile, offence: Offence): Identifier {
  const position = sourceFile.compilerNode.getPositionOfLineAndCharacter(offence.line - 1, offence.col - 1);
  const node = sourceFile.getDescendantAtPos(position);
  if (!node || !Node.isIdentifier(node) || node.getText() !== offence.name) throw new Error(`no identifier ${offence.name} at ${offence.file}:${offence.line}:${offence.col}`);
  return node;
}

function currentOffences(sourceFile: SourceFile, file: string): Offence[] {
  const parsed = typescript.createSourceFile(file, sourceFile.getFullText(), typescript.ScriptTarget.Latest, true, typescript.ScriptKind.TS);
  return offencesIn(parsed, file);
}

function main(): void {
  const started = performance.now();
  const project = new Project({ tsConfigFilePath: path.join(root, 'tsconfig.json') });
  const files = checkedFiles(root);
  let renamed = 0;
  const skipped: string[] = [];
  const changed = new Map<SourceFile, Set<string>>();
  for (const file of files) {
    const sourceFile = project.getSourceFile(path.join(root, file));
    if (!sourceFile) {
      skipped.push(`${file}: not in tsconfig.json's program`);
      continue;
    }
    let skippedHere = 0;
    for (;;) {
      const offence = currentOffences(sourceFile, file)[skippedHere];
      if (!offence) break;
      const identifier = findIdentifier(sourceFile, offence);
      const newName = chooseName(identifier, offence.kind);
      const where = `${offence.file}:${offence.line}:${offence.col}`;
      if (dryRun) {
        const explain = process.argv.includes('--explain') ? ` [${[...new Set(candidates(identifier, offence.kind))].join(' ')}]` : '';
        console.log(`${where} ${offence.name} → ${newName} (${offence.kind})${explain}`);
        skippedHere++;
        renamed++;
        continue;
      }
      try {
        const before = new Map(project.getSourceFiles().map((each) => [each, each.getFullText()] as const));
        identifier.rename(newName, { usePrefixAndSuffixText: true });
        for (const [each, text] of before) {
          if (each.getFullText() !== text) {
            if (!changed.has(each)) changed.set(each, new Set());
            changed.get(each)!.add(newName);
          }
        }
        console.log(`${where} ${offence.name} → ${newName} (${offence.kind})`);
        renamed++;
      } catch (error) {
        skipped.push(`${where} ${offence.name} (${offence.kind}): ${(error as Error).message}`);
        skippedHere++;
      }
    }
  }
  if (!dryRun) {
    for (const [sourceFile, names] of changed) collapseRedundantPropertyNames(sourceFile, names);
    project.saveSync();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  for (const line of skipped) console.error(`not renamed: ${line}`);
  console.error(`rename-short-names: ${renamed} ${dryRun ? 'planned' : 'renamed'}, ${skipped.length} not renamed, ${changed.size} files changed, ${seconds}s`);
}

main();
