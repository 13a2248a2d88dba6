import { sql } from 'kysely';
import type { Conn } from '../../store/db.js';

export interface TenantTableInfo {
  name: string;
  primaryKey: string[];
}

/**
 * Every table of the schema with a tenant_id column, read from the catalogue (not a list kept by
 * hand, so a table added later is exported and erased too), ordered so that a table comes before
 * every table it references: deleting in this order never breaks a foreign key; exporting in the
 * reverse order gives parents before children.
 */
export async function tenantTables(conn: Conn): Promise<TenantTableInfo[]> {
  const tables = await sql<{ name: string }>`select c.table_name as name
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
    order by 1`.execute(conn);
  const keys = await sql<{
    table_name: string;
    column_name: string;
  }>`select cl.relname as table_name, a.attname as column_name
    from pg_index i
    join pg_class cl on cl.oid = i.indrelid
    join pg_namespace n on n.oid = cl.relnamespace
    join pg_attribute a on a.attrelid = cl.oid and a.attnum = any(i.indkey)
    where i.indisprimary and n.nspname = current_schema()
    order by cl.relname, array_position(i.indkey::int2[], a.attnum)`.execute(conn);
  const references = await sql<{ child: string; parent: string }>`select ch.relname as child, pa.relname as parent
    from pg_constraint k
    join pg_class ch on ch.oid = k.conrelid
    join pg_class pa on pa.oid = k.confrelid
    join pg_namespace n on n.oid = ch.relnamespace
    where k.contype = 'f' and n.nspname = current_schema()`.execute(conn);
  const names = new Set(tables.rows.map((t) => t.name));
  const primaryKeys = new Map<string, string[]>();
  for (const key of keys.rows)
    primaryKeys.set(key.table_name, [...(primaryKeys.get(key.table_name) ?? []), key.column_name]);
  // parent → the tables that still reference it (a table is deletable when none is left)
  const referencedBy = new Map<string, Set<string>>([...names].map((name) => [name, new Set<string>()]));
  for (const edge of references.rows)
    if (edge.child !== edge.parent && names.has(edge.child) && names.has(edge.parent))
      referencedBy.get(edge.parent)!.add(edge.child);
  const ordered: TenantTableInfo[] = [];
  const left = new Set(names);
  while (left.size > 0) {
    const ready = [...left].filter((name) => [...referencedBy.get(name)!].every((child) => !left.has(child)));
    if (ready.length === 0) throw new Error(`tenant tables reference each other in a cycle: ${[...left].join(', ')}`);
    for (const name of ready.sort()) {
      left.delete(name);
      const primaryKey = primaryKeys.get(name);
      if (!primaryKey) throw new Error(`tenant table ${name} has no primary key`);
      ordered.push({ name, primaryKey });
    }
  }
  return ordered;
}
