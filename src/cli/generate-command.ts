import type { Db } from '../store/db.js';
import { generateOrders } from '../app/demo/generate-orders.js';

/**
 * `ordo generate --orders N --skus M [--seed S] [--batch B] [--spacing SECONDS] [--channel CODE] [--tenant demo]`:
 * loads N generated orders and M SKUs into the tenant for scale tests (docs/scale.md). Batches
 * commit one by one; running it again continues after the last committed batch.
 */
export async function generateCommand(
  db: Db,
  tenantId: string,
  args: { orders?: string; skus?: string; seed?: string; batch?: string; spacing?: string; channel?: string },
  progress: { update: (done: number, total: number) => void; stop: () => void },
): Promise<number> {
  const orders = Number(args.orders ?? 10_000);
  const skus = Number(args.skus ?? 1_000);
  const seed = Number(args.seed ?? 1);
  const batch = Number(args.batch ?? 5_000);
  const spacing = Number(args.spacing ?? 3);
  if (![orders, skus, seed, batch, spacing].every((value) => Number.isInteger(value) && value >= 0) || skus < 1) {
    console.error(
      'usage: ordo generate --orders N --skus M [--seed S] [--batch B] [--spacing SECONDS] [--channel CODE] [--tenant SLUG]',
    );
    return 2;
  }
  const started = Date.now();
  const result = await generateOrders(db, tenantId, {
    orders,
    skus,
    seed,
    batch,
    spacing,
    ...(args.channel ? { channel: args.channel } : {}),
    onProgress: progress.update,
    onPhase: (phase) => console.error(`${new Date().toISOString()} ${phase}`),
  });
  progress.stop();
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `generated ${result.orders} orders (${result.skipped} there already), ${result.skus} SKUs, ${result.customers} customers in ${seconds.toFixed(1)} s (${Math.round(result.orders / Math.max(seconds, 0.001))} orders/s)`,
  );
  return 0;
}
