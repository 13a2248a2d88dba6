import { sql, type Selectable } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { DB } from '../../store/schema.js';
import type { DefinitionKind, VersionStatus } from '../../store/schema-versioning.js';
import '../../store/schema-versioning.js';
import '../../store/schema-process.js';
import '../../store/schema-sourcing.js';
import { lineDiff } from '../process/line-diff.js';

/**
 * The draft → published → retired lifecycle shared by every versioned definition (process
 * definitions, routing strategies): one draft per key (saving again edits it), at most one
 * published version per key (publishing retires the one before, "superseded by vN"), retired
 * versions stay loadable by whatever already runs on them, and one audit table
 * (`definition_audit`) with the text diff of every change. Writers of one key are serialised
 * by an advisory lock until commit; a partial unique index backs the one-published rule.
 *
 * Validation is not part of a kind: each use case passes its own (a process validates its
 * YAML, a strategy compiles as the version it will get), so the call stays where it is read.
 */

/** The tables that hold the versions of a kind; each may have its own content columns. */
export type VersionedTable = 'process_definitions' | 'routing_strategies';
export type VersionRow<T extends VersionedTable> = Selectable<DB[T]>;

/** The lifecycle columns every versions table has. */
export interface Lifecycle {
  id: string;
  key: string;
  version: number;
  status: VersionStatus;
  created_by: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  published_at: Date | string | null;
  retired_at: Date | string | null;
}
const LIFECYCLE = [
  'id',
  'key',
  'version',
  'status',
  'created_by',
  'created_at',
  'updated_at',
  'published_at',
  'retired_at',
] as const;

export interface VersionedKind<T extends VersionedTable, Content> {
  /** The audit's name for the kind. */
  kind: DefinitionKind;
  table: T;
  /** Names the advisory lock that serialises the writers of one key ("process", "routing"). */
  lockName: string;
  /** What listings read besides the lifecycle columns (a title, a name), never the text. */
  summaryColumns: readonly string[];
  /** The error for an unknown key (no version given) or an unknown version of a key. */
  notFound(key: string, version?: number): AppError;
  /** The columns a draft's content sets, when it is created and when it is edited. */
  contentColumns(content: Content): Record<string, unknown>;
  /** The text of stored content and of new content: compared to skip no-op saves, and diffed in the audit. */
  text(row: VersionRow<T>): string;
  contentText(content: Content): string;
  /** Facts recorded when a version is retired (how many orders still run on it). */
  retireDetails?(tx: TenantScope, key: string, version: number): Promise<Record<string, unknown>>;
}

// Kysely types its builders per table. Both versions tables have the lifecycle columns, so the
// generic code names either through one of them; the casts only bridge the table name.
const tbl = (k: { table: VersionedTable }) => k.table as 'process_definitions';
type AnyKind<T extends VersionedTable> = VersionedKind<T, any>;

/** Serialises writers of one key until commit (version numbers, one draft, one published). */
export async function lockKey(tx: TenantScope, cacheKey: { lockName: string }, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${cacheKey.lockName}/${tx.tenantId}/${key}`}, 0))`.execute(
    tx.conn,
  );
}

/** One version of a key whatever its status: orders and plans on a retired version still load it. */
export async function findVersion<T extends VersionedTable>(
  scope: TenantScope,
  kind: AnyKind<T>,
  key: string,
  version: number,
): Promise<VersionRow<T>> {
  const row = await scope
    .selectFrom(tbl(kind))
    .selectAll()
    .where('key', '=', key)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw kind.notFound(key, version);
  return row as VersionRow<T>;
}

/** The version new work starts on: the published one (at most one per key). */
export async function currentPublished<T extends VersionedTable>(
  scope: TenantScope,
  kind: AnyKind<T>,
  key: string,
): Promise<VersionRow<T> | undefined> {
  return (await scope
    .selectFrom(tbl(kind))
    .selectAll()
    .where('key', '=', key)
    .where('status', '=', 'published')
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst()) as VersionRow<T> | undefined;
}

export interface AuditEntry {
  key: string;
  version: number | null;
  action: string;
  /** The text before and after: the entry carries their line diff. */
  before?: string;
  after?: string;
  details?: Record<string, unknown>;
}

/** Appends to the definition audit: who, when, what, why, and the diff of the text. */
export async function recordAudit(
  tx: TenantScope,
  key: { kind: DefinitionKind },
  actor: Actor,
  at: Date,
  auditEntry: AuditEntry,
): Promise<void> {
  await tx
    .insertInto('definition_audit', {
      id: newId(),
      kind: key.kind,
      key: auditEntry.key,
      version: auditEntry.version,
      action: auditEntry.action,
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_name: actor.name ?? null,
      diff:
        auditEntry.before !== undefined && auditEntry.after !== undefined
          ? lineDiff(auditEntry.before, auditEntry.after)
          : '',
      details: JSON.stringify(auditEntry.details ?? {}),
    })
    .execute();
}

/**
 * Saves content as the draft of a key: edits the draft, or creates the next version. `check`
 * validates the content as the version it gets (before anything is written; it throws).
 * Saving the draft's own content again changes nothing (`changed: false`, no audit row).
 */
export async function saveDraft<T extends VersionedTable, C>(
  scope: TenantScope,
  versionedKind: VersionedKind<T, C>,
  actor: Actor,
  now: Date,
  key: string,
  content: C,
  check?: (version: number) => void,
): Promise<{ row: VersionRow<T>; changed: boolean }> {
  return atomically(scope, async (tx) => {
    await lockKey(tx, versionedKind, key);
    const versions = await tx
      .selectFrom(tbl(versionedKind))
      .select(['id', 'version', 'status'])
      .where('key', '=', key)
      .orderBy('version', 'desc')
      .execute();
    const draft = versions.find((v) => v.status === 'draft');
    const version = draft?.version ?? (versions[0]?.version ?? 0) + 1;
    check?.(version);
    const full = async (id: string) =>
      (await tx
        .selectFrom(tbl(versionedKind))
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow()) as VersionRow<T>;
    const after = versionedKind.contentText(content);
    if (draft) {
      const before = await full(draft.id);
      if (versionedKind.text(before) === after) return { row: before, changed: false };
      const row = (await tx
        .updateTable(tbl(versionedKind))
        .set({ ...versionedKind.contentColumns(content), updated_at: now } as never)
        .where('id', '=', draft.id)
        .returningAll()
        .executeTakeFirstOrThrow()) as VersionRow<T>;
      await recordAudit(tx, versionedKind, actor, now, {
        key,
        version,
        action: 'draft_saved',
        before: versionedKind.text(before),
        after: versionedKind.text(row),
      });
      return { row, changed: true };
    }
    const row = (await tx
      .insertInto(tbl(versionedKind), {
        id: newId(),
        key,
        version,
        status: 'draft',
        ...versionedKind.contentColumns(content),
        created_by: actor.name ?? actor.id,
        created_at: now,
        updated_at: now,
        published_at: null,
        retired_at: null,
      } as never)
      .returningAll()
      .executeTakeFirstOrThrow()) as VersionRow<T>;
    // The diff of a new draft is against the version it grows from (the newest one), or empty text.
    const basedOn = versions[0] ? await full(versions[0].id) : undefined;
    await recordAudit(tx, versionedKind, actor, now, {
      key,
      version,
      action: 'draft_created',
      before: basedOn ? versionedKind.text(basedOn) : '',
      after: versionedKind.text(row),
      details: basedOn ? { basedOn: versions[0]!.version } : {},
    });
    return { row, changed: true };
  });
}

/**
 * Publishes a draft: it becomes the one published version of its key. The version published
 * before it is retired in the same transaction ("superseded by vN" in the audit); whatever
 * already runs on it keeps loading it by number, nothing new starts on it. `validate` runs
 * first and throws to refuse; `published` runs last, in the same transaction (an event).
 */
export async function publishVersion<T extends VersionedTable>(
  scope: TenantScope,
  kind: AnyKind<T>,
  actor: Actor,
  now: Date,
  key: string,
  version: number,
  hooks: {
    validate: (row: VersionRow<T>) => void | Promise<void>;
    published?: (tx: Work, row: VersionRow<T>) => Promise<unknown>;
  },
): Promise<VersionRow<T>> {
  return atomically(scope, async (tx) => {
    await lockKey(tx, kind, key);
    const row = await findVersion(tx, kind, key, version);
    const status = (row as Lifecycle).status;
    if (status !== 'draft')
      throw new AppError('CONFLICT', `${key} v${version} is ${status}; only a draft can be published`);
    await hooks.validate(row);
    // Retire first: the partial unique index allows one published version per key at any moment.
    const superseded = (
      (await tx
        .updateTable(tbl(kind))
        .set({ status: 'retired', retired_at: now, updated_at: now })
        .where('key', '=', key)
        .where('status', '=', 'published')
        .returningAll()
        .execute()) as VersionRow<T>[]
    ).sort((a, b) => (a as Lifecycle).version - (b as Lifecycle).version);
    const previous = superseded.at(-1);
    const updated = (await tx
      .updateTable(tbl(kind))
      .set({ status: 'published', published_at: now, updated_at: now })
      .where('id', '=', (row as Lifecycle).id)
      .returningAll()
      .executeTakeFirstOrThrow()) as VersionRow<T>;
    await recordAudit(tx, kind, actor, now, {
      key,
      version,
      action: 'published',
      before: previous ? kind.text(previous) : '',
      after: kind.text(row),
      details: previous ? { previousPublished: (previous as Lifecycle).version } : {},
    });
    for (const old of superseded) {
      const oldVersion = (old as Lifecycle).version;
      await recordAudit(tx, kind, actor, now, {
        key,
        version: oldVersion,
        action: 'retired',
        details: {
          from: 'published',
          reason: `superseded by v${version}`,
          supersededBy: version,
          ...(await kind.retireDetails?.(tx, key, oldVersion)),
        },
      });
    }
    await hooks.published?.(tx, updated);
    return updated;
  });
}

/** Retires a published version (or drops a draft): nothing new starts on it; what runs on it finishes on it. */
export async function retireVersion<T extends VersionedTable>(
  scope: TenantScope,
  kind: AnyKind<T>,
  actor: Actor,
  now: Date,
  key: string,
  version: number,
): Promise<{ row: VersionRow<T>; details: Record<string, unknown> }> {
  return atomically(scope, async (tx) => {
    await lockKey(tx, kind, key);
    const row = await findVersion(tx, kind, key, version);
    const from = (row as Lifecycle).status;
    if (from === 'retired') throw new AppError('CONFLICT', `${key} v${version} is already retired`);
    const updated = (await tx
      .updateTable(tbl(kind))
      .set({ status: 'retired', retired_at: now, updated_at: now })
      .where('id', '=', (row as Lifecycle).id)
      .returningAll()
      .executeTakeFirstOrThrow()) as VersionRow<T>;
    const details = { from, ...(await kind.retireDetails?.(tx, key, version)) };
    await recordAudit(tx, kind, actor, now, { key, version, action: 'retired', details });
    return { row: updated, details };
  });
}

/** Every version of a key with its content, by version; an unknown key is the kind's not-found. */
export async function listVersions<T extends VersionedTable>(
  scope: TenantScope,
  kind: AnyKind<T>,
  key: string,
  order: 'asc' | 'desc' = 'asc',
): Promise<VersionRow<T>[]> {
  const rows = await scope.selectFrom(tbl(kind)).selectAll().where('key', '=', key).orderBy('version', order).execute();
  if (rows.length === 0) throw kind.notFound(key);
  return rows as VersionRow<T>[];
}

/** A version as listings read it: the lifecycle columns and the kind's summary columns. */
export type VersionSummary = Lifecycle & Record<string, unknown>;

export interface KeySummary {
  key: string;
  /** Lifecycle and summary columns of every version, oldest first. */
  versions: VersionSummary[];
  current: VersionSummary | undefined;
  currentVersion: number | null;
  draftVersion: number | null;
}

/** Every key of the kind with its versions (without their text), its published and its draft version. */
export async function listKeys<T extends VersionedTable>(scope: TenantScope, kind: AnyKind<T>): Promise<KeySummary[]> {
  const rows = (await scope
    .selectFrom(tbl(kind))
    .select([...LIFECYCLE, ...kind.summaryColumns] as unknown as (typeof LIFECYCLE)[number][])
    .orderBy('key')
    .orderBy('version')
    .execute()) as unknown as VersionSummary[];
  const byKey = new Map<string, VersionSummary[]>();
  for (const row of rows) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row]);
  return [...byKey].map(([key, versions]) => {
    const current = versions.filter((v) => v.status === 'published').at(-1);
    return {
      key,
      versions,
      current,
      currentVersion: current?.version ?? null,
      draftVersion: versions.find((v) => v.status === 'draft')?.version ?? null,
    };
  });
}

/** Every audited change to a key's versions, oldest first: who, when, what, why, and the text diff. */
export async function versionHistory(
  scope: TenantScope,
  cacheKey: Pick<AnyKind<VersionedTable>, 'kind' | 'notFound'>,
  key: string,
) {
  const rows = await scope
    .selectFrom('definition_audit')
    .selectAll()
    .where('kind', '=', cacheKey.kind)
    .where('key', '=', key)
    .orderBy('id')
    .execute();
  if (rows.length === 0) throw cacheKey.notFound(key);
  return rows.map((r) => ({
    id: r.id,
    version: r.version,
    action: r.action,
    at: new Date(r.at).toISOString(),
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
    diff: r.diff,
    details: r.details,
  }));
}

/** The line diff from one version's text to another's. */
export async function diffVersions<T extends VersionedTable>(
  scope: TenantScope,
  kind: AnyKind<T>,
  key: string,
  from: number,
  to: number,
) {
  const [fromVersion, toVersion] = [await findVersion(scope, kind, key, from), await findVersion(scope, kind, key, to)];
  return { key, from, to, diff: lineDiff(kind.text(fromVersion), kind.text(toVersion)) };
}

/** JSON text with sorted keys, two-space indented: stable whatever order jsonb gives the keys back in. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((key) => [key, sort((v as Record<string, unknown>)[key])]),
          )
        : v;
  return JSON.stringify(sort(value), null, 2);
}
