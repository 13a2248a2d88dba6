import { parse } from 'yaml';
import { sql } from 'kysely';
import { describeEvents, roleLabels, stateLabels, taskLabels } from '../../process/index.js';
import type { CompiledDefinition, EventInfo, Labels } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-process.js';

/**
 * Words for people from the process definitions (issue 18): the labels a definition gives its
 * states, events, tasks and roles, and the events an order accepts with who raises them, whether
 * they destroy something and what they risk. The console falls back to its own catalogue.
 */

interface FlagLike {
  code?: unknown;
  message?: unknown;
}

/**
 * The allowed events described: the definition's risks, and for a destructive event the flags the
 * process raised on the order (a marketplace's RATING_RISK), each code once.
 */
export function eventDetails(
  def: CompiledDefinition,
  state: string,
  names: readonly string[],
  attributes: Record<string, unknown> | undefined,
): EventInfo[] {
  const flags = Array.isArray(attributes?.flags) ? (attributes.flags as FlagLike[]) : [];
  return describeEvents(def, state, names).map((info) => {
    if (!info.destructive) return info;
    const risks = [...info.risks];
    for (const flag of flags) {
      if (typeof flag.code !== 'string' || risks.some((r) => r.code === flag.code)) continue;
      const message = typeof flag.message === 'string' && flag.message ? flag.message : flag.code;
      risks.push({ code: flag.code, labels: { en: message } });
    }
    return { ...info, risks };
  });
}

export const stateWords = (def: CompiledDefinition, state: string): Labels | null => stateLabels(def, state);

/** The parts of a stored definition people read, parsed without compiling (by the text's hash). */
interface Words {
  /** The process's own name: its labels per language, else its title. */
  title?: string;
  labels?: Labels;
  states: Record<string, { labels?: Labels; task?: { labels?: Labels } }>;
  roles: Record<string, { labels?: Labels }>;
  events: Record<string, { labels?: Labels }>;
}
const parsedWords = new Map<string, Words>();
const WORDS_MAX = 500;

function wordsOf(source: string, hash: string): Words {
  const hit = parsedWords.get(hash);
  if (hit) return hit;
  let doc: Partial<Words> = {};
  try {
    doc = (parse(source) ?? {}) as Partial<Words>;
  } catch {
    // a stored version always parsed once; if not, it has no words
  }
  const words: Words = {
    ...(typeof doc.title === 'string' ? { title: doc.title } : {}),
    ...(doc.labels && typeof doc.labels === 'object' ? { labels: doc.labels } : {}),
    states: doc.states ?? {},
    roles: doc.roles ?? {},
    events: doc.events ?? {},
  };
  if (parsedWords.size >= WORDS_MAX) parsedWords.delete(parsedWords.keys().next().value!);
  parsedWords.set(hash, words);
  return words;
}

type VersionRef = { definition_key: string; definition_version: number };
const versionKey = (p: VersionRef) => `${p.definition_key}\u0000${p.definition_version}`;

/** The words of each definition version the rows name, keyed by `key\u0000version`. */
async function wordsByVersion(scope: TenantScope, procs: readonly VersionRef[]): Promise<Map<string, Words>> {
  const defs = new Map<string, Words>();
  for (const item of new Set(procs.map(versionKey))) {
    const [key, version] = item.split('\u0000') as [string, string];
    const row = await scope
      .selectFrom('process_definitions')
      .select(['source', 'source_hash'])
      .where('key', '=', key)
      .where('version', '=', Number(version))
      .executeTakeFirst();
    if (row) defs.set(item, wordsOf(row.source, row.source_hash));
  }
  return defs;
}

/** A process named for people: its labels per language, else its title (the console's last resort is the key). */
export interface ProcessName {
  title: string | null;
  labels: Labels | null;
}

const processName = (words: Words | undefined): ProcessName => ({
  title: words?.title ?? null,
  labels: words?.labels ?? null,
});

export interface ExceptionWords {
  /** The name of the process the order runs. */
  processName: ProcessName;
  stateLabels: Labels | null;
  /** The labels of the resolution events that have any. */
  resolutionLabels: Record<string, Labels>;
}

/** The words of an exception row: its state and its resolutions, from the version its order runs. */
export async function exceptionWords(
  scope: TenantScope,
  rows: readonly (VersionRef & { state: string; exception_resolutions: string[] })[],
): Promise<ExceptionWords[]> {
  const defs = await wordsByVersion(scope, rows);
  return rows.map((row) => {
    const words = defs.get(versionKey(row));
    const resolutionLabels: Record<string, Labels> = {};
    for (const name of row.exception_resolutions) {
      const labels = words?.events[name]?.labels;
      if (labels) resolutionLabels[name] = labels;
    }
    return {
      processName: processName(words),
      stateLabels: words?.states[row.state]?.labels ?? null,
      resolutionLabels,
    };
  });
}

export interface TaskWords {
  titleLabels: Labels | null;
  roleLabels: Labels | null;
  stateLabels: Labels | null;
}

/** The words of each task's title, role and state, from the definition version its order runs. */
export async function taskWords(
  scope: TenantScope,
  tasks: readonly { id: string; orderId: string; processState: string | null; role: string }[],
): Promise<Map<string, TaskWords>> {
  const out = new Map<string, TaskWords>();
  if (tasks.length === 0) return out;
  const orderIds = [...new Set(tasks.map((t) => t.orderId))];
  const procs = await scope
    .selectFrom('order_processes')
    .select(['order_id', 'definition_key', 'definition_version'])
    .where('order_id', 'in', orderIds)
    .execute();
  const defs = await wordsByVersion(scope, procs);
  const byOrder = new Map(procs.map((p) => [p.order_id, defs.get(versionKey(p))]));
  for (const task of tasks) {
    const words = byOrder.get(task.orderId);
    const state = task.processState ? words?.states[task.processState] : undefined;
    out.set(task.id, {
      titleLabels: state?.task?.labels ?? null,
      roleLabels: words?.roles[task.role]?.labels ?? null,
      stateLabels: state?.labels ?? null,
    });
  }
  return out;
}

/** Task views with the words of their title, role and state. */
export async function withTaskWords<
  T extends { id: string; orderId: string; processState: string | null; role: string },
>(scope: TenantScope, tasks: T[]): Promise<(T & TaskWords)[]> {
  const words = await taskWords(scope, tasks);
  return tasks.map((t) => ({
    ...t,
    ...(words.get(t.id) ?? { titleLabels: null, roleLabels: null, stateLabels: null }),
  }));
}

/** The same words straight from a compiled definition (the order view holds it). */
export function compiledTaskWords(def: CompiledDefinition, processState: string | null, role: string): TaskWords {
  return {
    titleLabels: processState ? taskLabels(def, processState) : null,
    roleLabels: roleLabels(def, role),
    stateLabels: processState ? stateLabels(def, processState) : null,
  };
}

const labelsOf = (entries: Record<string, { labels?: Labels } | null | undefined>) => {
  const out: Record<string, Labels> = {};
  for (const [name, item] of Object.entries(entries)) if (item?.labels) out[name] = item.labels;
  return out;
};

/** The labels of every state, event and role of the process version the order runs (null without a process). */
export async function orderProcessWords(scope: TenantScope, orderId: string) {
  const proc = await scope
    .selectFrom('order_processes')
    .select(['definition_key', 'definition_version'])
    .where('order_id', '=', orderId)
    .executeTakeFirst();
  if (!proc) return undefined;
  const row = await scope
    .selectFrom('process_definitions')
    .select(['source', 'source_hash'])
    .where('key', '=', proc.definition_key)
    .where('version', '=', proc.definition_version)
    .executeTakeFirst();
  if (!row) return undefined;
  const words = wordsOf(row.source, row.source_hash);
  return { states: labelsOf(words.states), events: labelsOf(words.events), roles: labelsOf(words.roles) };
}

/** The roles the published processes name, with their labels (GET /business-roles, issue 18 item 5). */
export async function publishedRoleWords(scope: TenantScope) {
  const rows = await scope
    .selectFrom('process_definitions')
    .select(['source', 'source_hash'])
    .where('status', '=', 'published')
    .execute();
  const roles = new Map<string, Labels | null>();
  for (const row of rows)
    for (const [role, entry] of Object.entries(wordsOf(row.source, row.source_hash).roles))
      if (!roles.get(role)) roles.set(role, entry?.labels ?? null);
  return roles;
}

/**
 * The labels of the given states (the dashboard's per-state figures): from the published versions
 * first, then the newest retired ones, so a state only an older version names still gets its words.
 */
export async function stateWordsOf(scope: TenantScope, states: readonly string[]): Promise<Record<string, Labels>> {
  const out: Record<string, Labels> = {};
  if (states.length === 0) return out;
  const rows = await scope
    .selectFrom('process_definitions')
    .select(['source', 'source_hash'])
    .where('status', 'in', ['published', 'retired'])
    .orderBy(sql`status = 'published'`, 'desc')
    .orderBy('version', 'desc')
    .limit(200)
    .execute();
  const wanted = new Set(states);
  for (const row of rows) {
    for (const [state, entry] of Object.entries(wordsOf(row.source, row.source_hash).states)) {
      if (wanted.has(state) && entry?.labels && !out[state]) out[state] = entry.labels;
    }
    if (Object.keys(out).length === wanted.size) break;
  }
  return out;
}

/**
 * The labels of every state the published processes name, first labelled wins (the KPI report's
 * stages, which span processes).
 */
export async function publishedStateWords(scope: TenantScope) {
  const rows = await scope
    .selectFrom('process_definitions')
    .select(['source', 'source_hash'])
    .where('status', '=', 'published')
    .orderBy('key')
    .orderBy('version', 'desc')
    .execute();
  const states = new Map<string, Labels>();
  for (const row of rows)
    for (const [state, entry] of Object.entries(wordsOf(row.source, row.source_hash).states))
      if (entry?.labels && !states.has(state)) states.set(state, entry.labels);
  return states;
}

/**
 * Every state and event name the tenant's processes give in words, for the console's lists
 * (issue 18): published versions first, then retired ones (orders still sit in their states),
 * newest version first; the first labelled entry of a code wins. `processes` names each process
 * by its key, from its newest published (else retired) version.
 */
export async function processVocabulary(scope: TenantScope) {
  const rows = await scope
    .selectFrom('process_definitions')
    .select(['key', 'source', 'source_hash'])
    .where('status', 'in', ['published', 'retired'])
    .orderBy(sql`status = 'published'`, 'desc')
    .orderBy('key')
    .orderBy('version', 'desc')
    .limit(500)
    .execute();
  const states: Record<string, Labels> = {};
  const events: Record<string, Labels> = {};
  const processes: Record<string, ProcessName> = {};
  for (const row of rows) {
    const words = wordsOf(row.source, row.source_hash);
    processes[row.key] ??= processName(words);
    for (const [state, entry] of Object.entries(words.states ?? {}))
      if (entry?.labels && !states[state]) states[state] = entry.labels;
    for (const [event, entry] of Object.entries(words.events ?? {}))
      if (entry?.labels && !events[event]) events[event] = entry.labels;
  }
  return { states, events, processes };
}
