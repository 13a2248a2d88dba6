import { isMap, isScalar, isSeq, parseDocument, type Document, type Node as YNode, type YAMLMap } from 'yaml';

/**
 * The designer's model: the definition's YAML document itself. Graph edits change the
 * document (comments and layout of untouched parts survive) and are written back as text;
 * text edits re-parse it. The graph is always derived from the document, never the reverse.
 */

export type Doc = Document.Parsed;

export interface StateInfo {
  name: string;
  kind: 'start' | 'state' | 'task' | 'exception' | 'terminal';
  role: string | null;
}
/** One transition: `on: {event: to}` (kind "on") or an automatic `always: [{to, when}]` (kind "always"). */
export interface Transition {
  id: string;
  from: string;
  to: string;
  kind: 'on' | 'always';
  event: string | null;
  when: string | null;
  index: number;
}
export interface Graph {
  start: string | null;
  key: string | null;
  states: StateInfo[];
  transitions: Transition[];
}
export interface ParseError {
  line: number;
  column: number;
  message: string;
}

/** Parses text; a document with syntax errors is returned with its errors and no graph. */
export function parseSource(source: string): { doc: Doc; errors: ParseError[] } {
  const doc = parseDocument(source, { keepSourceTokens: false, prettyErrors: false });
  const errors = doc.errors.map((e) => ({
    line: e.linePos?.[0].line ?? 1,
    column: e.linePos?.[0].col ?? 1,
    message: e.message.split('\n')[0]!,
  }));
  if (!errors.length && !isMap(doc.contents))
    errors.push({ line: 1, column: 1, message: 'the definition must be a mapping (key, start, states)' });
  return { doc, errors };
}

const str = (n: unknown): string | null =>
  isScalar(n) && typeof n.value === 'string' ? n.value : typeof n === 'string' ? n : null;

function statesMap(doc: Doc): YAMLMap | null {
  const s = isMap(doc.contents) ? doc.contents.get('states', true) : null;
  return isMap(s) ? s : null;
}

/** Targets of a transition value: "state", {to, when}, or a list of them. */
function targetsOf(v: unknown): { to: string; when: string | null }[] {
  if (isScalar(v)) return typeof v.value === 'string' ? [{ to: v.value, when: null }] : [];
  if (isSeq(v)) return v.items.flatMap((i) => targetsOf(i));
  if (isMap(v)) {
    const to = str(v.get('to', true));
    return to ? [{ to, when: str(v.get('when', true)) }] : [];
  }
  return [];
}

/** The states and transitions the document declares, in its order. */
export function graphOf(doc: Doc): Graph {
  const root = isMap(doc.contents) ? doc.contents : null;
  const start = root ? str(root.get('start', true)) : null;
  const key = root ? str(root.get('key', true)) : null;
  const states: StateInfo[] = [];
  const transitions: Transition[] = [];
  for (const pair of statesMap(doc)?.items ?? []) {
    const name = str(pair.key);
    if (!name) continue;
    const st = isMap(pair.value) ? pair.value : null;
    const flag = (k: string) => Boolean(st?.get(k));
    const task = st?.get('task', true);
    const role = isMap(task) ? str(task.get('role', true)) : null;
    const kind = flag('terminal')
      ? 'terminal'
      : st?.has('exception')
        ? 'exception'
        : task
          ? 'task'
          : name === start
            ? 'start'
            : 'state';
    states.push({ name, kind, role });
    const on = st?.get('on', true);
    if (isMap(on)) {
      for (const p of on.items) {
        const event = str(p.key);
        if (!event) continue;
        targetsOf(p.value).forEach((t, index) =>
          transitions.push({
            id: `${name}|on|${event}|${index}`,
            from: name,
            to: t.to,
            kind: 'on',
            event,
            when: t.when,
            index,
          }),
        );
      }
    }
    const always = st?.get('always', true);
    targetsOf(always).forEach((t, index) =>
      transitions.push({
        id: `${name}|always||${index}`,
        from: name,
        to: t.to,
        kind: 'always',
        event: null,
        when: t.when,
        index,
      }),
    );
  }
  return { start, key, states, transitions };
}

export const STATE_NAME = /^[a-z][a-z0-9_]*$/;

/** Adds an empty state (the validator then says what it still needs). */
export function addState(doc: Doc, name: string): void {
  let states = statesMap(doc);
  if (!states) {
    (doc.contents as YAMLMap).set('states', doc.createNode({}));
    states = statesMap(doc)!;
  }
  if (states.has(name)) return;
  const node = doc.createNode({}) as YAMLMap;
  node.flow = true;
  states.set(doc.createNode(name), node);
}

/** Renames the value of a target (scalar or {to}) in place. */
function retarget(v: unknown, from: string, to: string): void {
  if (isScalar(v) && v.value === from) v.value = to;
  else if (isSeq(v)) v.items.forEach((i) => retarget(i, from, to));
  else if (isMap(v)) {
    const t = v.get('to', true);
    if (isScalar(t) && t.value === from) t.value = to;
  }
}

/** Renames a state and every transition to it, and `start` when it was the start. */
export function renameState(doc: Doc, from: string, to: string): void {
  const states = statesMap(doc);
  if (!states || from === to || states.has(to)) return;
  const pair = states.items.find((p) => str(p.key) === from);
  if (!pair) return;
  pair.key = doc.createNode(to);
  for (const p of states.items) {
    if (!isMap(p.value)) continue;
    const on = p.value.get('on', true);
    if (isMap(on)) on.items.forEach((e) => retarget(e.value, from, to));
    retarget(p.value.get('always', true), from, to);
  }
  const root = doc.contents as YAMLMap;
  if (str(root.get('start', true)) === from) root.set('start', doc.createNode(to));
}

/** Removes the target at position `index` of a transition value; returns false when the whole value should go. */
function dropTarget(v: unknown, index: number): boolean {
  if (isSeq(v)) {
    v.items.splice(index, 1);
    return v.items.length > 0;
  }
  return false;
}

/** Deletes a state and every transition that led to it. */
export function deleteState(doc: Doc, name: string): void {
  const states = statesMap(doc);
  if (!states) return;
  states.delete(name);
  // Transitions to the state go too, last first so the indexes stay right.
  for (const t of graphOf(doc)
    .transitions.filter((x) => x.to === name)
    .reverse())
    deleteTransition(doc, t);
}

/** Adds `on: {event: to}` to a state (replacing the event's old target). */
export function addTransition(doc: Doc, from: string, event: string, to: string): void {
  const st = statesMap(doc)?.get(from, true);
  if (!isMap(st)) return;
  let on: unknown = st.get('on', true);
  if (!isMap(on)) {
    const m = doc.createNode({}) as YAMLMap;
    m.flow = true;
    st.set(doc.createNode('on'), m);
    on = m;
  }
  (on as YAMLMap).set(doc.createNode(event), doc.createNode(to));
}

/** Deletes one transition (one target of an event, or one automatic transition). */
export function deleteTransition(doc: Doc, t: Pick<Transition, 'from' | 'kind' | 'event' | 'index'>): void {
  const st = statesMap(doc)?.get(t.from, true);
  if (!isMap(st)) return;
  if (t.kind === 'on') {
    const on = st.get('on', true);
    if (!isMap(on) || t.event === null) return;
    if (!dropTarget(on.get(t.event, true), t.index)) on.delete(t.event);
    if (on.items.length === 0) st.delete('on');
  } else {
    const always = st.get('always', true);
    if (!dropTarget(always, t.index)) st.delete('always');
  }
}

/** The document as text again. */
export const sourceOf = (doc: Doc): string => doc.toString({ lineWidth: 0 });

/** The state a problem's JSON pointer points into ("/states/<name>/…"), if any. */
export function stateOfPath(path: string): string | null {
  const m = /^\/states\/([^/]+)/.exec(path);
  return m ? decodeURIComponent(m[1]!.replace(/~1/g, '/').replace(/~0/g, '~')) : null;
}

export type { YNode };

/** A decision table as the table editor shows it: outputs as text (a scalar as is, anything else as JSON). */
export interface DecisionTableView {
  name: string;
  description: string | null;
  hitPolicy: 'first' | 'collect';
  rules: { when: string; output: string }[];
  /** The first-hit default as text; null when the table has none. */
  fallback: string | null;
}

const asText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);

/** Text typed in an output cell as a value: JSON when it reads as JSON (numbers, true, lists…), else the text. */
export function valueOfText(text: string): unknown {
  const trimmed = text.trim();
  if (/^(-?\d|\[|\{|true$|false$|null$)/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      /* not JSON: the text itself */
    }
  }
  return text;
}

function decisionsMap(doc: Doc): YAMLMap | null {
  const d = isMap(doc.contents) ? doc.contents.get('decisions', true) : null;
  return isMap(d) ? d : null;
}

function tableNode(doc: Doc, table: string): YAMLMap | null {
  const t = decisionsMap(doc)?.get(table, true);
  return isMap(t) ? t : null;
}

function rulesNode(doc: Doc, table: string) {
  const rules = tableNode(doc, table)?.get('rules', true);
  return isSeq(rules) ? rules : null;
}

/** The definition's decision tables, in its order. */
export function tablesOf(doc: Doc): DecisionTableView[] {
  const decisions = decisionsMap(doc);
  if (!decisions) return [];
  return decisions.items.flatMap((pair) => {
    const name = str(pair.key);
    if (!name || !isMap(pair.value)) return [];
    const table = pair.value;
    const rules = table.get('rules', true);
    const hasDefault = table.has('default');
    return [
      {
        name,
        description: str(table.get('description', true)),
        hitPolicy: str(table.get('hitPolicy', true)) === 'collect' ? 'collect' : 'first',
        rules: isSeq(rules)
          ? rules.items.map((r) =>
              isMap(r)
                ? { when: str(r.get('when', true)) ?? '', output: asText((r.toJSON() as { output?: unknown }).output) }
                : { when: '', output: '' },
            )
          : [],
        fallback: hasDefault ? asText((table.toJSON() as { default?: unknown }).default) : null,
      },
    ];
  });
}

/** Sets one cell (a rule's `when` or `output`); only that rule's line changes. */
export function setTableCell(doc: Doc, table: string, row: number, field: 'when' | 'output', text: string): void {
  const rule = rulesNode(doc, table)?.items[row];
  if (!isMap(rule)) return;
  rule.set(field, doc.createNode(field === 'output' ? valueOfText(text) : text));
}

/** Adds a rule at the end (or after `after`), matching nothing until it is filled in. */
export function addTableRow(doc: Doc, table: string, after?: number): void {
  const rules = rulesNode(doc, table);
  if (!rules) return;
  const node = doc.createNode({ when: 'false', output: '' }) as YAMLMap;
  node.flow = true;
  rules.items.splice(after === undefined ? rules.items.length : after + 1, 0, node);
}

/** Removes one rule (the validator says so when a table is left with none). */
export function deleteTableRow(doc: Doc, table: string, row: number): void {
  rulesNode(doc, table)?.items.splice(row, 1);
}

/** Moves a rule one place up or down: for first-hit tables the order is the decision. */
export function moveTableRow(doc: Doc, table: string, row: number, by: -1 | 1): void {
  const rules = rulesNode(doc, table);
  const to = row + by;
  if (!rules || to < 0 || to >= rules.items.length) return;
  const [moved] = rules.items.splice(row, 1);
  rules.items.splice(to, 0, moved!);
}

export function setHitPolicy(doc: Doc, table: string, policy: 'first' | 'collect'): void {
  tableNode(doc, table)?.set('hitPolicy', doc.createNode(policy));
}

/** Sets the first-hit default, or removes it when the text is empty. */
export function setTableDefault(doc: Doc, table: string, text: string): void {
  const node = tableNode(doc, table);
  if (!node) return;
  if (text.trim() === '') node.delete('default');
  else node.set('default', doc.createNode(valueOfText(text)));
}

/** The decision table cell a problem's JSON pointer points at ("/decisions/<name>/rules/<i>/…"), if any. */
export function tableCellOfPath(path: string): { table: string; row: number | null } | null {
  const m = /^\/decisions\/([^/]+)(?:\/rules\/(\d+))?/.exec(path);
  return m ? { table: m[1]!, row: m[2] === undefined ? null : Number(m[2]) } : null;
}
