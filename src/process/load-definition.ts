import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Result } from '../shared/result.js';
import { err, ok } from '../shared/result.js';
import type { ActionRegistry } from './action-registry.js';
import type { CompiledExpr } from './cel.js';
import { processDefinitionSchema } from './definition-schema.js';
import type { ProcessDefinitionSpec, StateSpec, TimerSpec, TransitionSpec } from './definition-schema.js';
import type { CompiledDefinition, CompiledState, CompiledTransition, DefinitionProblem } from './types.js';
import { checkDefinition, definitionRegistry } from './validate-definition.js';
import type { RawProblem } from './validate-definition.js';

export interface LoadOptions {
  /** The actions wired here (the composition root's operations); the definition's `external:` ones are added to them. */
  registry: ActionRegistry;
  /** The stored version number; overrides `version:` in the source. */
  version?: number;
  /**
   * A version already published (loaded to run orders on it): the publish-time rules on how a
   * state waits for an external action are not applied again, so a version accepted before they
   * existed keeps running the orders that started on it. Drafts and publishing always apply them.
   */
  stored?: boolean;
}

/**
 * Parse, validate and compile a definition from YAML or JSON text (or an already
 * parsed object). Every problem is returned at once, each with its source line.
 */
export function loadDefinition(
  source: string | object,
  opts: LoadOptions,
): Result<CompiledDefinition, DefinitionProblem[]> {
  let locate: (problem: RawProblem) => { line: number; column: number } = () => ({ line: 0, column: 0 });
  let raw: unknown = source;
  if (typeof source === 'string') {
    const lc = new LineCounter();
    const doc = parseDocument(source, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      return err(
        doc.errors.map((error) => {
          const pos = lc.linePos(error.pos[0]);
          return {
            path: '',
            line: pos.line,
            column: pos.col,
            code: 'YAML_SYNTAX' as const,
            message: error.message.split('\n')[0]!,
          };
        }),
      );
    }
    raw = doc.toJS();
    locate = (p) => positionOf(doc, lc, p);
  }
  const parsed = processDefinitionSchema.safeParse(raw);
  if (!parsed.success) {
    const problems: RawProblem[] = [];
    for (const issue of parsed.error.issues) {
      const path = issue.path as (string | number)[];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys)
          problems.push({ path: [...path, key], code: 'SCHEMA', message: `unknown property "${key}"` });
      } else if (issue.code === 'invalid_union') {
        problems.push({ path, code: 'SCHEMA', message: unionMessage(issue) });
      } else {
        problems.push({ path, code: 'SCHEMA', message: issue.message });
      }
    }
    return err(problems.map((p) => finish(p, locate)));
  }
  const spec = parsed.data;
  const declared = definitionRegistry(spec, opts.registry);
  const registry = declared.registry;
  const check = checkDefinition(spec, registry, { stored: opts.stored ?? false });
  const problems = [...declared.problems, ...check.problems];
  if (problems.length > 0) return err(problems.map((p) => finish(p, locate)));
  return ok(compile(spec, check.exprs, registry, opts.version ?? spec.version ?? 1));
}

/** The first message of the union branch that got furthest: "expected string" alone helps nobody. */
function unionMessage(issue: { message: string; errors?: { message: string; path: PropertyKey[] }[][] }): string {
  const branches = issue.errors ?? [];
  const best = branches.filter((b) => b.length > 0).sort((a, b) => b[0]!.path.length - a[0]!.path.length)[0];
  if (!best) return issue.message;
  const first = best[0]!;
  return first.path.length ? `${first.path.join('.')}: ${first.message}` : first.message;
}

function finish(
  problem: RawProblem,
  locate: (problem: RawProblem) => { line: number; column: number },
): DefinitionProblem {
  const pos = locate(problem);
  return {
    path: '/' + problem.path.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/'),
    line: pos.line,
    column: pos.column,
    code: problem.code,
    message: problem.message,
  };
}

function positionOf(doc: Document, lc: LineCounter, problem: RawProblem): { line: number; column: number } {
  let node: unknown = doc.contents;
  let keyNode: YamlNode | null = null;
  for (const seg of problem.path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (isScalar(it.key) ? String(it.key.value) : String(it.key)) === String(seg));
      if (!pair) break;
      keyNode = pair.key as YamlNode;
      node = pair.value;
      // A missing value (`to:` with nothing) points at its key.
      if (node === null || node === undefined) {
        node = keyNode;
        break;
      }
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      keyNode = null;
      node = node.items[seg];
    } else {
      break;
    }
  }
  const currentNode = node as YamlNode | null;
  // A problem about a whole state or block reads best at its name.
  if (
    keyNode &&
    (isMap(currentNode) || isSeq(currentNode)) &&
    typeof problem.path[problem.path.length - 1] === 'string'
  )
    node = keyNode;
  const at = node as YamlNode | null;
  let offset = at?.range?.[0] ?? 0;
  if (problem.celOffset !== undefined && isScalar(at)) {
    // Plain scalars hold the text as-is; quoted ones start one character later.
    if (at.type === Scalar.PLAIN) offset += problem.celOffset;
    else if (at.type === Scalar.QUOTE_DOUBLE || at.type === Scalar.QUOTE_SINGLE) offset += 1 + problem.celOffset;
  }
  const pos = lc.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function compile(
  spec: ProcessDefinitionSpec,
  exprs: Map<string, CompiledExpr>,
  registry: ActionRegistry,
  version: number,
): CompiledDefinition {
  const tr = (value: string | TransitionSpec): CompiledTransition => {
    if (typeof value === 'string') return { to: value, actions: [] };
    return {
      to: value.to,
      when: value.when === undefined ? undefined : exprs.get(value.when)!,
      actions: value.actions ?? [],
    };
  };
  const states = new Map<string, CompiledState>();
  for (const [name, value] of Object.entries(spec.states) as [string, StateSpec][]) {
    const on = new Map<string, CompiledTransition[]>();
    for (const [ev, target] of Object.entries(value.on ?? {}))
      on.set(ev, (Array.isArray(target) ? target : [target]).map(tr));
    states.set(name, {
      name,
      spec: value,
      on,
      always: (value.always ?? []).map(tr),
      terminal: value.terminal === true,
      outcome: value.terminal
        ? (value.outcome ?? (/cancel/.test(name) ? 'cancelled' : /reject/.test(name) ? 'rejected' : 'completed'))
        : null,
      exception:
        value.exception === undefined
          ? null
          : value.exception === true
            ? { kind: name, resolutions: [...on.keys()] }
            : value.exception,
      task: value.task ?? null,
      timers: [...(value.after ?? []), ...externalTimeouts(value, registry)],
    });
  }
  return {
    key: spec.key,
    version,
    spec,
    start: spec.start,
    maxSteps: spec.settings?.maxSteps ?? 50,
    stuckState: spec.settings?.stuckState ?? 'stuck',
    states,
    tables: spec.decisions ?? {},
    exprs,
    registry,
  };
}

/** An external action's `timeout` is a timer of its state that fires the action's failure event. */
function externalTimeouts(value: StateSpec, registry: ActionRegistry): TimerSpec[] {
  return (value.enter ?? []).flatMap((item) => {
    const results = registry.get(item.action)?.results;
    return item.timeout && results ? [{ in: item.timeout, event: results.failed }] : [];
  });
}

/** Load or throw: for shipped definitions and tests, where a problem is a bug. */
export function loadDefinitionOrThrow(source: string | object, opts: LoadOptions): CompiledDefinition {
  const result = loadDefinition(source, opts);
  if (!result.ok)
    throw new Error(
      `invalid process definition:\n${result.error.map((p) => `  ${p.line}:${p.column} ${p.path} ${p.code} ${p.message}`).join('\n')}`,
    );
  return result.value;
}
