import type { Db } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import type { CarrierRegistry } from '../integrations/carriers/index.js';
import type { OrderProcesses } from '../app/process/order-processes.js';
import type { InboundHandlers } from '../app/events/inbound.js';
import type { Config } from '../config.js';
import type { PaymentProviders } from '../app/money/execute-payment-operation.js';
import type { ChannelServices } from '../app/channels/services.js';

/** What routes need, passed explicitly: no globals. */
export interface Deps {
  db: Db;
  /**
   * Read-only queries that may lag a little (order lists and search, reports): a read replica
   * (ORDO_DATABASE_READ_URL, falling back to the primary while it is down). Absent = `db`.
   * Never for a read that must see the caller's own write (GET of one resource after a POST).
   */
  readDb?: Db;
  dbKind: 'postgres' | 'pglite';
  clock: Clock;
  /** Set once the server may take traffic (migrations done). */
  ready: () => Promise<boolean>;
  /** True once the node was told to stop (SIGTERM): /readyz answers 503 while requests finish. */
  draining?: () => boolean;
  /** The process engine bound to the wired operations (the composition root's). */
  processes: OrderProcesses;
  /** Partner event handlers by type (the composition root's); absent = every inbound event is stored as unknown. */
  inbound?: InboundHandlers;
  /** Configured carrier adapters (issue 6); absent = shipments cannot be booked at carriers. */
  carriers?: CarrierRegistry;
  /** Configured payment provider adapters (the composition root's); absent = none. */
  payments?: PaymentProviders;
  /** Channel connectors and the key sealing their credentials; absent = channels cannot be connected. */
  channels?: ChannelServices;
  /** The validated settings (src/config.ts); absent = every default (tests). */
  config?: Config;
}
