import type { Db } from '../store/db.js';
import { listSinks, removeSink } from '../app/events/event-sinks.js';

const USAGE = 'usage: ordo event-sinks list | remove NAME';

/**
 * `ordo event-sinks list|remove NAME`: the broker sinks workers registered (docs/events.md). A
 * sink's row stays when it leaves every worker's configuration, so an operator removes it here once
 * no worker serves it. Exit 0 done, 1 no such sink, 2 usage.
 */
export async function eventSinksCommand(
  db: Db,
  positionals: string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const [action, name] = positionals;
  if (action === 'list' && !name) {
    const sinks = await listSinks(db);
    if (sinks.length === 0) print('no broker sink is registered: events nobody subscribed to are written fanned out');
    for (const sink of sinks)
      print(
        `${sink.name}: ${sink.eventTypes ? sink.eventTypes.join(', ') : 'every event type'}; registered ${sink.registeredAt.toISOString()}; ${sink.open} delivery(ies) open`,
      );
    return 0;
  }
  if (action === 'remove' && name) {
    if (!(await removeSink(db, name))) {
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
