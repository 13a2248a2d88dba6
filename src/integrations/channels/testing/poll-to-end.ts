import assert from 'node:assert/strict';
import type { ChannelConnection, ChannelConnector, ChannelHttpOptions, ChannelOrder } from '../types.js';

export interface PollRun {
  pages: number;
  ids: string[];
  unreadable: string[];
  cursor: string | null;
}

/**
 * Polls from `cursor` until the connector has no more pages: the external ids of the orders and the
 * reasons of the unreadable ones in the order they came, how many pages that took, and the cursor it
 * ends with. `betweenPages` sees each cursor a run continues from (the mid-pagination ones).
 */
export async function pollToEnd(
  connector: ChannelConnector,
  conn: ChannelConnection,
  cursor: string | null,
  http: ChannelHttpOptions,
  betweenPages?: (cursor: string | null) => void,
): Promise<PollRun> {
  assert.ok(connector.poll, `${connector.kind} does not poll`);
  const run: PollRun = { pages: 0, ids: [], unreadable: [], cursor };
  for (;;) {
    const page = await connector.poll(conn, run.cursor, http);
    assert.ok(page.ok, page.ok ? '' : page.error.message);
    run.pages++;
    run.ids.push(...page.value.events.map((item) => (item.event as { order: ChannelOrder }).order.externalId));
    run.unreadable.push(...page.value.unreadable.map((item) => item.reason));
    run.cursor = page.value.cursor;
    if (!page.value.more) return run;
    betweenPages?.(run.cursor);
  }
}
