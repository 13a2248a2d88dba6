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
}

/**
 * Parse, validate and compile a definition from YAML or JSON text (or an already
 * parsed object). Every problem is returned at once, each with its source line.
 */
export function loadDefinition(source: string | object, opts: LoadOptions): Result<CompiledDefinition, DefinitionProblem[]> {
  let locate: (p: RawProblem) => { line: number; column: number } = () => ({ line: 0, column: 0 });
  let raw: unknown = source;
  if (typeof source === 'string') {
    const lc = new LineCounter();
    const doc = parseDocument(source, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      return err(doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return { path: '', line: pos.line, column: pos.col, code: 'YAML_SYNTAX' as const, message: e.message.split('\n')[0]! };
      }));
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
        for (const k of issue.keys) problems.push({ path: [...path, k], code: 'SCHEMA', message: `unknown property "${k}"` });
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
  const check = checkDefinition(spec, registry);
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

function finish(p: RawProblem, locate: (p: RawProblem) => { line: number; column: number }): DefinitionProblem {
  const pos = locate(p);
  return { path: '/' + p.path.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/'), line: pos.line, column: pos.column, code: p.code, message: p.message };
}

function positionOf(doc: Document, lc: LineCounter, p: RawProblem): { line: number; column: number } {
  let node: unknown = doc.contents;
  let keyNode: YamlNode | null = null;
  for (const seg of p.path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (isScalar(it.key) ? String(it.key.value) : String(it.key)) === String(seg));
      if (!pair) break;
      keyNode = pair.key as YamlNode;
      node = pair.value;
      // A missing value (`to:` with nothing) points at its key.
      if (node === null || node === undefined) { node = keyNode; break; }
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      keyNode = null;
      node = node.items[seg];
    } else {
      break;
    }
  }
  const n = node as YamlNode | null;
  // A problem about a whole state or block reads best at its name.
  if (keyNode && (isMap(n) || isSeq(n)) && typeof p.path[p.path.length - 1] === 'string') node = keyNode;
  const at = node as YamlNode | null;
  let offset = at?.range?.[0] ?? 0;
  if (p.celOffset !== undefined && isScalar(at)) {
    // Plain scalars hold the text as-is; quoted ones start one character later.
    if (at.type === Scalar.PLAIN) offset += p.celOffset;
    else if (at.type === Scalar.QUOTE_DOUBLE || at.type === Scalar.QUOTE_SINGLE) offset += 1 + p.celOffset;
  }
  const pos = lc.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function compile(spec: ProcessDefinitionSpec, exprs: Map<string, CompiledExpr>, registry: ActionRegistry, version: number): CompiledDefinition {
  const tr = (x: string | TransitionSpec): CompiledTransition => {
    if (typeof x === 'string') return { to: x, actions: [] };
    return { to: x.to, when: x.when === undefined ? undefined : exprs.get(x.when)!, actions: x.actions ?? [] };
  };
  const states = new Map<string, CompiledState>();
  for (const [name, s] of Object.entries(spec.states) as [string, StateSpec][]) {
    const on = new Map<string, CompiledTransition[]>();
    for (const [ev, t] of Object.entries(s.on ?? {})) on.set(ev, (Array.isArray(t) ? t : [t]).map(tr));
    states.set(name, {
      name,
      spec: s,
      on,
      always: (s.always ?? []).map(tr),
      terminal: s.terminal === true,
      outcome: s.terminal ? s.outcome ?? (/cancel/.test(name) ? 'cancelled' : /reject/.test(name) ? 'rejected' : 'completed') : null,
      exception: s.exception === undefined ? null : s.exception === true ? { kind: name, resolutions: [...on.keys()] } : s.exception,
      task: s.task ?? null,
      timers: [...(s.after ?? []), ...externalTimeouts(s, registry)],
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
function externalTimeouts(s: StateSpec, registry: ActionRegistry): TimerSpec[] {
  return (s.enter ?? []).flatMap((a) => {
    const results = registry.get(a.action)?.results;
    return a.timeout && results ? [{ in: a.timeout, event: results.failed }] : [];
  });
}

/** Load or throw: for shipped definitions and tests, where a problem is a bug. */
export function loadDefinitionOrThrow(source: string | object, opts: LoadOptions): CompiledDefinition {
  const r = loadDefinition(source, opts);
  if (!r.ok) throw new Error(`invalid process definition:\n${r.error.map((p) => `  ${p.line}:${p.column} ${p.path} ${p.code} ${p.message}`).join('\n')}`);
  return r.value;
}
