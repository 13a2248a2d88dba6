import { sql } from 'kysely';
import type { Db } from '../store/db.js';
import '../store/schema-events.js';

const USAGE = 'usage: ordo event-sinks list | remove NAME';

/**
 * `ordo event-sinks list|remove NAME`: the broker sinks workers registered (event_sinks, migration
 * 0036, docs/events.md). An event a registered sink takes waits for the fan-out; a row stays when
 * the sink leaves every worker's configuration, so an operator removes it here once no worker
 * serves it. Exit 0 done, 1 no such sink, 2 usage.
 */
export async function eventSinksCommand(
  db: Db,
  positionals: string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const [action, name] = positionals;
  if (action === 'list' && !name) {
    const { rows } = await sql<{ name: string; event_types: string[] | null; registered_at: Date; waiting: string }>`
      select k.name, k.event_types, k.registered_at,
        (select count(*) from event_deliveries d where d.target = 'sink:' || k.name and d.status in ('pending', 'delivering')) as waiting
      from event_sinks k order by k.name`.execute(db);
    if (rows.length === 0) print('no broker sink is registered: events nobody subscribed to are written fanned out');
    for (const row of rows)
      print(
        `${row.name}: ${row.event_types ? row.event_types.join(', ') : 'every event type'}; registered ${new Date(
          row.registered_at,
        ).toISOString()}; ${Number(row.waiting)} delivery(ies) open`,
      );
    return 0;
  }
  if (action === 'remove' && name) {
    const removed = await db.deleteFrom('event_sinks').where('name', '=', name).returning('name').execute();
    if (removed.length === 0) {
      print(`no sink ${name} is registered`);
      return 1;
    }
    print(
      `sink ${name} removed: events only it took are written fanned out from now on (a worker serving it registers it again when it starts)`,
    );
    return 0;
  }
  print(USAGE);
  return 2;
}
