import { sql, type Kysely } from 'kysely';

/**
 * Process definitions per tenant (versioned: draft → published → retired) with the history of
 * every change, the tenant's selection rules, each order's process snapshot, and human tasks.
 * Timers live in the events module's `jobs` table (kind 'process.timer').
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table process_definitions (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      key text not null,
      version int not null,
      status text not null check (status in ('draft', 'published', 'retired')),
      title text,
      source text not null,
      source_hash text not null,
      created_by text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      published_at timestamptz,
      retired_at timestamptz,
      primary key (tenant_id, id),
      unique (tenant_id, key, version)
    )`,
    // At most one draft per process: saving again edits it.
    `create unique index process_definitions_one_draft on process_definitions (tenant_id, key) where status = 'draft'`,
    `create index process_definitions_published on process_definitions (tenant_id, key, version) where status = 'published'`,
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
    `create table process_selection_rules (
      tenant_id uuid not null references tenants(id),
      rules jsonb not null,
      version int not null default 1,
      updated_at timestamptz not null,
      primary key (tenant_id)
    )`,
    `create table order_processes (
      tenant_id uuid not null,
      order_id uuid not null,
      definition_key text not null,
      definition_version int not null,
      state text not null,
      status text not null,
      exception_kind text,
      exception_resolutions text[] not null default '{}',
      snapshot jsonb not null,
      started_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, order_id),
      foreign key (tenant_id, order_id) references orders(tenant_id, id) on delete cascade
    )`,
    `create index order_processes_exceptions on order_processes (tenant_id, exception_kind, updated_at) where exception_kind is not null`,
    `create index order_processes_running on order_processes (tenant_id, definition_key, definition_version) where status <> 'done'`,
    `create table process_tasks (
      tenant_id uuid not null,
      id uuid not null,
      order_id uuid not null,
      engine_task_id text not null,
      kind text not null,
      role text not null,
      party text not null default 'seller',
      title text,
      options text[] not null default '{}',
      step int,
      state text not null check (state in ('open', 'claimed', 'completed', 'cancelled')),
      assignee text,
      due_at timestamptz,
      escalate_to text,
      outcome text,
      comment text,
      completed_by text,
      completed_at timestamptz,
      delegated_from text,
      process_state text not null,
      version int not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, order_id, engine_task_id),
      foreign key (tenant_id, order_id) references orders(tenant_id, id) on delete cascade
    )`,
    `create index process_tasks_inbox on process_tasks (tenant_id, state, role, due_at)`,
    `create index process_tasks_assignee on process_tasks (tenant_id, assignee, state) where assignee is not null`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const item of [
    'process_tasks',
    'order_processes',
    'process_selection_rules',
    'process_definition_changes',
    'process_definitions',
  ]) {
    await sql.raw(`drop table if exists ${item}`).execute(db);
  }
}
