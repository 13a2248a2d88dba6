/**
 * What the embedded database itself allows (issue 19 item 6): raw PGlite, on a data folder on
 * disk, doing an order-shaped transaction — an order, 3 lines, 3 guarded stock updates, a
 * history row and an event (9 statements between BEGIN and COMMIT) — one after another, as the
 * embedded server's single connection does. Prints orders/s and CPU per order (this process:
 * PGlite runs on its main thread), and the same with 16 statements (the B2C path's count,
 * bench/RESULTS.md) to compare with the server's CPU per B2C order.
 *
 *   npm run bench:pglite-ceiling [-- seconds]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { randomUUID } from 'node:crypto';

const seconds = Number(process.argv[2] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'ordo-pglite-ceiling-'));
const db = await PGlite.create(dir, {
  startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'],
});
await db.exec(`
  create table orders (id uuid primary key, number text not null, total bigint not null, created_at timestamptz not null default now());
  create table order_lines (id uuid primary key, order_id uuid not null references orders, sku text not null, qty int not null);
  create table stock (sku text primary key, on_hand int not null, reserved int not null default 0);
  create table history (id uuid primary key, order_id uuid not null, what text not null, at timestamptz not null default now());
  create table events (id bigserial primary key, kind text not null, payload jsonb not null);
  insert into stock select 'SKU-' || n, 1000000000 from generate_series(1, 200) n;
`);

async function order(extra: number) {
  await db.transaction(async (tx) => {
    const id = randomUUID();
    await tx.query('insert into orders (id, number, total) values ($1, $2, $3)', [id, id.slice(0, 8), 12_900]);
    for (let line = 0; line < 3; line++) {
      const sku = `SKU-${1 + Math.floor(Math.random() * 200)}`;
      await tx.query('insert into order_lines (id, order_id, sku, qty) values ($1, $2, $3, 1)', [
        randomUUID(),
        id,
        sku,
      ]);
      const updated = await tx.query(
        'update stock set reserved = reserved + 1 where sku = $1 and on_hand - reserved >= 1 returning sku',
        [sku],
      );
      if (updated.rows.length !== 1) throw new Error('oversold');
    }
    await tx.query('insert into history (id, order_id, what) values ($1, $2, $3)', [randomUUID(), id, 'accepted']);
    await tx.query('insert into events (kind, payload) values ($1, $2)', ['order.accepted', JSON.stringify({ id })]);
    for (let read = 0; read < extra; read++) await tx.query('select on_hand from stock where sku = $1', ['SKU-1']);
  });
}

async function run(extra: number) {
  for (let warm = 0; warm < 50; warm++) await order(extra);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < seconds * 1000) {
    await order(extra);
    count++;
  }
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: count / elapsed, cpuMs: (used.user + used.system) / 1000 / count };
}

console.log(`raw PGlite on disk, one connection, ${seconds} s each (load average ${loadavg()[0]!.toFixed(2)})`);
for (const [label, extra] of [
  ['order-shaped, 9 statements', 0],
  ['the same + 7 reads = 16 statements', 7],
] as const) {
  const result = await run(extra);
  console.log(
    `  ${label.padEnd(36)} ${result.perSecond.toFixed(0).padStart(5)} orders/s, ${result.cpuMs.toFixed(2)} ms CPU per order (load ${loadavg()[0]!.toFixed(2)})`,
  );
}
await db.close();
rmSync(dir, { recursive: true, force: true });
