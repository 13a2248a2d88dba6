import type { Clock } from './shared/clock.js';
import type { CarrierRegistry } from './integrations/carriers/index.js';
import { Operations, type ProcessOperation } from './app/process/operation.js';
import { OrderProcesses } from './app/process/order-processes.js';
import { JobRegistry, type JobDefinition } from './app/events/timers.js';
import { inboundJob, type InboundHandler, type InboundHandlers } from './app/events/inbound.js';
import { processTimerJob } from './app/process/fire-due-timers.js';
import { trackingPollJob } from './app/fulfilment/poll-shipments.js';
import { orderOperations } from './app/orders/operations.js';
import { inventoryOperations } from './app/inventory/operations.js';
import { sourcingOperations } from './app/sourcing/operations.js';
import { fulfilmentOperations } from './app/fulfilment/operations.js';
import { notificationOperations } from './app/notifications/operations.js';
import { moneyOperations } from './app/money/operations.js';
import { returnOperations } from './app/returns/operations.js';
import { returnLabelJob } from './app/returns/return-label.js';
import { paymentOperationJob, type PaymentProviders } from './app/money/execute-payment-operation.js';
import { ksefSubmissionJob, type KsefSettings } from './app/money/ksef-submission.js';
import { quoteOperations } from './app/quotes/operations.js';
import { erpOperations } from './app/erp/operations.js';
import { companyOperations } from './app/companies/operations.js';
import type { ChannelServices } from './app/channels/services.js';
import { channelPollJob } from './app/channels/inbound.js';
import { channelOutboundJob } from './app/channels/outbound.js';
import { channelStockJob } from './app/channels/stock.js';
import { subscriptionCycleJob } from './app/subscriptions/run-cycles.js';
import { ediOutboundJob } from './app/edi/outbound.js';
import { retentionJob, type RetentionPolicy } from './app/retention/retention-job.js';
import { storageJob } from './app/tenants/measure-storage.js';

/**
 * The composition root: the one place that decides what runs in this process. Each capability
 * defines its process operations and jobs next to its use cases; they are listed here and handed
 * down (to the API's routes, the worker, the CLI). Nothing registers itself by being imported.
 */
export interface Services {
  /** The operations processes may run, and the registry definitions are validated against. */
  operations: Operations;
  /** The process engine bound to those operations; also the port capabilities feed facts through. */
  processes: OrderProcesses;
  /** Carrier adapters that are configured; absent = shipments cannot be booked at carriers. */
  carriers: CarrierRegistry | undefined;
  /** The job kinds the jobs runner runs here. */
  jobs: JobRegistry;
  /** Partner event types handled here (`POST /inbound/{source}`); others are stored as unknown. */
  inbound: InboundHandlers;
  /** Payment provider adapters that are configured (may be none: payments are then Ordo's own records). */
  payments: PaymentProviders;
  /** Channel connectors and the credentials key; absent = shops and marketplaces cannot be connected. */
  channels: ChannelServices | undefined;
}

/**
 * Every process operation Ordo carries out or asks integrations for. A new one is one line here.
 * `publicUrl` (config.http.publicUrl) is where e-mailed tracking links point.
 */
export function processOperations(
  opts: {
    publicUrl?: string | undefined;
    paymentProviders?: Iterable<string>;
    /** The engine, once built: operations that create orders (an exchange) start their processes with it. */
    engine?: { current: OrderProcesses | undefined };
  } = {},
): ProcessOperation[] {
  const providers = new Set(opts.paymentProviders ?? []);
  return [
    ...orderOperations,
    ...inventoryOperations,
    ...sourcingOperations,
    ...fulfilmentOperations,
    ...notificationOperations({ publicUrl: opts.publicUrl }),
    ...moneyOperations({ providers }),
    ...returnOperations({ providers, engine: opts.engine ?? { current: undefined } }),
    ...erpOperations,
    ...companyOperations,
    ...quoteOperations({ engine: opts.engine ?? { current: undefined } }),
  ];
}

export interface ComposeOptions {
  clock: Clock;
  carriers?: CarrierRegistry | undefined;
  /** Replaces the operation list (tests of a single operation, plugins); default processOperations(). */
  operations?: readonly ProcessOperation[];
  /** Partner event handlers by type (none are shipped yet: the channels capability brings them). */
  inbound?: ReadonlyArray<[type: string, handler: InboundHandler]>;
  /** Extra job kinds (tests). */
  jobs?: readonly JobDefinition[];
  /** Tracking poll options (tests poll often). */
  trackingPoll?: { everyMs?: number; limit?: number };
  /** Public base URL for tracking links in e-mails (config.http.publicUrl); absent = no link. */
  publicUrl?: string | undefined;
  /** Payment provider adapters by code (config.payments); absent = none. */
  payments?: PaymentProviders | undefined;
  /** KSeF (ORDO_KSEF_URL, ORDO_KSEF_TOKEN); absent = invoices of KSeF sellers wait queued, the reason on each. */
  ksef?: KsefSettings | undefined;
  /** Channel connectors (channelsFromConfig); absent = no channel polling, outbound or stock jobs. */
  channels?: ChannelServices | undefined;
  /** How long records are kept and how the retention job runs (config.retention); absent = the defaults. */
  retention?: RetentionPolicy | undefined;
}

export function compose(opts: ComposeOptions): Services {
  const payments: PaymentProviders = opts.payments ?? new Map();
  const engine: { current: OrderProcesses | undefined } = { current: undefined };
  const operations = new Operations(
    opts.operations ?? processOperations({ publicUrl: opts.publicUrl, paymentProviders: payments.keys(), engine }),
  );
  const processes = new OrderProcesses(operations);
  engine.current = processes;
  const inbound = new Map(opts.inbound ?? []);
  const jobs = new JobRegistry([
    processTimerJob(operations),
    inboundJob(inbound),
    trackingPollJob(processes, opts.carriers, opts.clock, opts.trackingPoll),
    paymentOperationJob({ providers: payments, processes, clock: opts.clock, publicUrl: opts.publicUrl }),
    ksefSubmissionJob({ ksef: opts.ksef, clock: opts.clock }),
    returnLabelJob({ carriers: opts.carriers, processes, clock: opts.clock }),
    subscriptionCycleJob({ processes }),
    ...(opts.channels
      ? [
          channelPollJob({ processes, clock: opts.clock, services: opts.channels }),
          channelOutboundJob({ services: opts.channels, clock: opts.clock }),
          channelStockJob({ services: opts.channels, clock: opts.clock }),
        ]
      : []),
    ediOutboundJob({ clock: opts.clock }),
    retentionJob(opts.retention),
    storageJob(),
    ...(opts.jobs ?? []),
  ]);
  return { operations, processes, carriers: opts.carriers, jobs, inbound, payments, channels: opts.channels };
}
