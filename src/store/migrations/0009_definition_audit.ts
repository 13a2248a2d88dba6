import { sql, type Kysely } from 'kysely';
import { newId } from '../../shared/ids.js';

/**
 * One audit table for every versioned definition (app/versioning): process definitions and
 * routing strategies had two (`process_definition_changes`, and `audit_log` rows of entity
 * `routing_strategy`). Their rows are copied into `definition_audit` and the old ones dropped.
 *
 * And at most one published version per key: publishing now retires the version before it.
 * Versions left published under an older one are retired here, each with an audit row that
 * says by which version it was superseded; a partial unique index keeps it so.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table definition_audit (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      kind text not null,
      key text not null,
      version int,
      action text not null,
      at timestamptz not null,
      actor_type text not null,
      actor_id text,
      actor_name text,
      diff text not null default '',
      details jsonb not null default '{}',
      primary key (tenant_id, id)
    )`,
    `create index definition_audit_key on definition_audit (tenant_id, kind, key, id)`,
    `insert into definition_audit (tenant_id, id, kind, key, version, action, at, actor_type, actor_id, actor_name, diff, details)
      select tenant_id, id, 'process', key, version, action, at, actor_type, actor_id, actor_name, diff, details
      from process_definition_changes`,
    // A strategy's audit row named the version's row id, with key and version in its changes.
    `insert into definition_audit (tenant_id, id, kind, key, version, action, at, actor_type, actor_id, actor_name, diff, details)
      select a.tenant_id, a.id, 'routing_strategy', coalesce(a.changes->>'key', s.key, a.entity_id::text),
        coalesce((a.changes->>'version')::int, s.version), a.action, a.at, a.actor_type, a.actor_id, null, '',
        a.changes - 'key' - 'version'
      from audit_log a left join routing_strategies s on s.tenant_id = a.tenant_id and s.id = a.entity_id
      where a.entity = 'routing_strategy'`,
    `delete from audit_log where entity = 'routing_strategy'`,
    `drop table process_definition_changes`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);

  for (const [table, kind] of [
    ['process_definitions', 'process'],
    ['routing_strategies', 'routing_strategy'],
  ] as const) {
    const { rows } = await sql<{ tenant_id: string; id: string; key: string; version: number; newest: number }>`
      select p.tenant_id, p.id, p.key, p.version, n.newest
      from ${sql.table(table)} p
      join (select tenant_id, key, max(version) as newest from ${sql.table(table)} where status = 'published' group by tenant_id, key) n
        on n.tenant_id = p.tenant_id and n.key = p.key
      where p.status = 'published' and p.version < n.newest
      order by p.tenant_id, p.key, p.version`.execute(db);
    for (const row of rows) {
      await sql`update ${sql.table(table)} set status = 'retired', retired_at = now(), updated_at = now()
        where tenant_id = ${row.tenant_id} and id = ${row.id}`.execute(db);
      const details = {
        from: 'published',
        reason: `superseded by v${row.newest}`,
        supersededBy: row.newest,
        by: 'migration 0009_definition_audit',
      };
      await sql`insert into definition_audit (tenant_id, id, kind, key, version, action, at, actor_type, actor_id, actor_name, details)
        values (${row.tenant_id}, ${newId()}, ${kind}, ${row.key}, ${row.version}, 'retired', now(), 'system', null, 'system', ${JSON.stringify(details)}::jsonb)`.execute(
        db,
      );
    }
  }
  await sql
    .raw(
      `create unique index process_definitions_one_published on process_definitions (tenant_id, key) where status = 'published'`,
    )
    .execute(db);
  await sql
    .raw(
      `create unique index routing_strategies_one_published on routing_strategies (tenant_id, key) where status = 'published'`,
    )
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    `drop index if exists process_definitions_one_published`,
    `drop index if exists routing_strategies_one_published`,
    `create table process_definition_changes (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      key text not null,
      version int,
      action text not null,
      at timestamptz not null,
      actor_type text not null,
      actor_id text,
      actor_name text,
      diff text not null default '',
      details jsonb not null default '{}',
      primary key (tenant_id, id)
    )`,
    `create index process_definition_changes_key on process_definition_changes (tenant_id, key, id)`,
    `insert into process_definition_changes (tenant_id, id, key, version, action, at, actor_type, actor_id, actor_name, diff, details)
      select tenant_id, id, key, version, action, at, actor_type, actor_id, actor_name, diff, details
      from definition_audit where kind = 'process'`,
    `insert into audit_log (tenant_id, id, at, actor_type, actor_id, entity, entity_id, action, changes)
      select a.tenant_id, a.id, a.at, a.actor_type, a.actor_id, 'routing_strategy', s.id, a.action,
        a.details || jsonb_build_object('key', a.key, 'version', a.version)
      from definition_audit a join routing_strategies s on s.tenant_id = a.tenant_id and s.key = a.key and s.version = a.version
      where a.kind = 'routing_strategy'`,
    `drop table definition_audit`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}
