import { sql, type Kysely, type RawBuilder } from 'kysely';

interface Key {
  tenant_id: string;
  key: string;
}

/** A batch's rows as a condition on a table alias (`(alias.tenant_id, alias.<key>)` in its range). */
export type KeyRange = (alias: string) => RawBuilder<boolean>;

/**
 * Walks `table` in `(tenant_id, key)` order, `batch` rows at a time, for an online fill: `run` gets
 * each batch's range as a condition and runs one statement for it (its own transaction, so no lock
 * is held for long while the application keeps writing); `onBatch` is told the rows walked so
 * far. The last batch is open-ended: rows added behind the walk are in it.
 */
export async function inKeyBatches(
  db: Kysely<any>,
  table: string,
  key: string,
  batch: number,
  run: (range: KeyRange) => Promise<unknown>,
  onBatch?: (done: number) => void,
): Promise<void> {
  const pair = (alias: string) => sql`(${sql.ref(`${alias}.tenant_id`)}, ${sql.ref(`${alias}.${key}`)})`;
  let after: Key | null = null;
  for (let done = batch; ; done += batch) {
    const from: Key | null = after;
    const past = (alias: string): RawBuilder<boolean> =>
      from ? sql<boolean>`${pair(alias)} > (${from.tenant_id}, ${from.key})` : sql<boolean>`true`;
    const upto: Key | null =
      (
        await sql<Key>`select t.tenant_id, ${sql.ref(`t.${key}`)} as key
          from ${sql.table(table)} t where ${past('t')}
          order by t.tenant_id, ${sql.ref(`t.${key}`)} offset ${batch - 1} limit 1`.execute(db)
      ).rows[0] ?? null;
    await run((alias) =>
      upto ? sql<boolean>`${past(alias)} and ${pair(alias)} <= (${upto.tenant_id}, ${upto.key})` : past(alias),
    );
    if (!upto) return;
    onBatch?.(done);
    after = upto;
  }
}
