import { hostname } from 'node:os';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { annotate, inSpan, markSpanFailed, recordSpan, traceHeaders } from '../shared/tracing.js';
import { deadLettered, deliveryAttempts } from '../shared/metrics.js';
import { defaultRetry, retryDelayMs, type RetryPolicy } from '../domain/events/retry.js';
import { postWebhook } from '../integrations/webhooks/http-sender.js';
import { signedHeaders } from '../integrations/webhooks/signature.js';
import { signingSecrets } from '../app/events/subscriptions.js';
import { toCloudEvent, type EventSink } from '../integrations/broker/sink.js';
import type { Db } from '../store/db.js';
import {
  claimDeliveries,
  completeDelivery,
  fanOut,
  fanOutQuiet,
  releaseClaims,
  type AttemptResult,
  type ClaimedDelivery,
} from './outbox-store.js';
import { WakeLoop } from './wake-loop.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** The longest an idle worker sleeps between looks for work it was not woken for (ms). */
export const DEFAULT_MAX_POLL_MS = 2_000;
const FAN_OUT_BATCH = 500;

export interface DispatcherOptions {
  db: Db;
  clock?: Clock | undefined;
  sinks?: readonly EventSink[] | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** A webhook that has not answered in this time counts as failed (and is retried). */
  deliveryTimeoutMs?: number | undefined;
  /** How long a claim holds; must exceed the timeout, or a slow attempt could be claimed again. */
  leaseMs?: number | undefined;
  /** Deliveries in flight at once in this worker. */
  concurrency?: number | undefined;
  pollMs?: number | undefined;
  /** An idle dispatcher polls less and less often, up to this (ORDO_POLL_MAX_MS); a wake resets it. */
  maxPollMs?: number | undefined;
  workerId?: string | undefined;
  logger?: Logger | undefined;
  /**
   * Webhooks may reach loopback, private and link-local addresses (ORDO_WEBHOOKS_ALLOW_PRIVATE:
   * tests, on-premise). Off by default: the address a name resolves to is checked as the socket connects.
   */
  allowPrivateTargets?: boolean | undefined;
}

/** The body of a webhook: Standard Webhooks' {type, timestamp, data} plus our envelope fields. */
export function webhookBody(claimedDelivery: ClaimedDelivery): string {
  return JSON.stringify({
    id: claimedDelivery.event_id,
    type: claimedDelivery.event_type,
    timestamp: new Date(claimedDelivery.event_time).toISOString(),
    subject: claimedDelivery.subject,
    tenantId: claimedDelivery.tenant_id,
    schemaVersion: claimedDelivery.schema_version,
    data: claimedDelivery.payload,
  });
}

export class Dispatcher {
  readonly workerId: string;
  private readonly loop: WakeLoop;
  private readonly inflight = new Set<Promise<void>>();
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly sinks: Map<string, EventSink>;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly pollMs: number;

  constructor(private readonly opts: DispatcherOptions) {
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}`;
    this.retry = { ...defaultRetry, ...(opts.retry ?? {}) };
    this.clock = opts.clock ?? systemClock;
    this.sinks = new Map((opts.sinks ?? []).map((s) => [s.name, s]));
    this.log = opts.logger ?? silentLogger;
    this.timeoutMs = opts.deliveryTimeoutMs ?? 10_000;
    this.leaseMs = Math.max(opts.leaseMs ?? 60_000, this.timeoutMs * 2);
    this.concurrency = opts.concurrency ?? 16;
    this.pollMs = opts.pollMs ?? 250;
    this.loop = new WakeLoop(
      () => this.step(),
      opts.pollMs ?? 250,
      (e) => this.log.error({ err: e }, 'outbox dispatcher step failed'),
      opts.maxPollMs ?? DEFAULT_MAX_POLL_MS,
    );
  }

  start(): this {
    this.loop.start();
    return this;
  }

  /** New events may exist (NOTIFY, an in-process emit): fan out on the next step. */
  wake(): void {
    this.fanOutDue = true;
    this.loop.wake();
  }

  /** Stops claiming, waits for deliveries in flight to be recorded, hands back claimed but unstarted ones. */
  async stop(): Promise<void> {
    await this.loop.stop();
    const unstarted = this.queue.splice(0);
    await Promise.allSettled([...this.inflight]);
    await releaseClaims(this.opts.db, unstarted, this.clock.now()).catch((e) =>
      this.log.warn({ err: e }, 'releasing claims failed; their leases will expire'),
    );
  }

  private fanOutDue = true;
  private lastFanOut = 0;
  private lastClaim = 0;
  /** Claimed ahead, so a finished delivery's slot refills without waiting for a claim query. */
  private readonly queue: ClaimedDelivery[] = [];

  private async step(): Promise<boolean> {
    // Fan out when told of new events, else once per poll interval (a missed NOTIFY, another
    // process's PGlite write); not after every finished delivery, which would add a transaction each.
    let fanned = 0;
    let created = 0;
    if (this.fanOutDue || Date.now() - this.lastFanOut >= this.pollMs) {
      this.fanOutDue = false;
      this.lastFanOut = Date.now();
      const started = Date.now();
      // Without broker sinks, events of tenants with no subscription need no delivery: one statement.
      const quiet = this.sinks.size === 0 ? await fanOutQuiet(this.opts.db, FAN_OUT_BATCH) : null;
      if (!quiet || quiet.seen > quiet.marked) {
        const full = await fanOut(this.opts.db, [...this.sinks.values()], FAN_OUT_BATCH, this.clock.now());
        fanned = full.events;
        created = full.deliveries;
        if (full.events === FAN_OUT_BATCH) this.fanOutDue = true;
      }
      fanned += quiet?.marked ?? 0;
      if (quiet?.seen === FAN_OUT_BATCH) this.fanOutDue = true;
      if (fanned > 0) recordSpan('ordo.outbox.fan_out', started, { 'ordo.events': fanned });
    }
    // Keep up to two slots' worth claimed; claim in batches, since one claim query per finished
    // delivery would cost more than the delivery. A fan-out that made no delivery row gives
    // nothing to claim: then only once per poll interval (retries coming due, expired leases).
    const want = this.concurrency * 2 - this.inflight.size - this.queue.length;
    const busy = this.inflight.size > 0 || this.queue.length > 0;
    const claimDue = created > 0 || busy || Date.now() - this.lastClaim >= this.pollMs;
    let claimed = 0;
    if (claimDue && (want >= Math.ceil(this.concurrency / 4) || !busy)) {
      this.lastClaim = Date.now();
      const rows = await claimDeliveries(this.opts.db, this.clock.now(), want, this.leaseMs);
      this.queue.push(...rows);
      claimed = rows.length;
    }
    this.pump();
    return fanned > 0 || claimed > 0;
  }

  /** Starts queued deliveries while slots are free. */
  private pump(): void {
    while (this.inflight.size < this.concurrency && this.queue.length > 0) {
      const claimedDelivery = this.queue.shift()!;
      const value: Promise<void> = this.deliver(claimedDelivery)
        .catch((e) =>
          this.log.error(
            { err: e, deliveryId: claimedDelivery.id },
            'recording a delivery failed; its lease will expire and it is retried',
          ),
        )
        .finally(() => {
          this.inflight.delete(value);
          this.pump();
          this.loop.wake();
        });
      this.inflight.add(value);
    }
  }

  /**
   * One attempt, traced as a child of the span that wrote the event (its stored traceparent), so a
   * webhook shows in the trace of the request that caused it; the webhook carries the trace on.
   */
  private deliver(claimedDelivery: ClaimedDelivery): Promise<void> {
    const sink = claimedDelivery.target.startsWith('sink:');
    const orderId = claimedDelivery.payload?.orderId;
    return inSpan(
      `ordo.outbox.deliver ${claimedDelivery.event_type}`,
      {
        'ordo.tenant_id': claimedDelivery.tenant_id,
        'ordo.order_id': typeof orderId === 'string' ? orderId : undefined,
        'ordo.event.id': claimedDelivery.event_id,
        'ordo.event.type': claimedDelivery.event_type,
        'ordo.event.subject': claimedDelivery.subject,
        'ordo.delivery.id': claimedDelivery.id,
        'ordo.delivery.target': claimedDelivery.target,
        'ordo.delivery.attempt': claimedDelivery.attempts,
      },
      () => this.attempt(claimedDelivery, sink),
      { kind: sink ? 'producer' : 'client', parent: claimedDelivery.trace_context },
    );
  }

  private async attempt(claimedDelivery: ClaimedDelivery, sink: boolean): Promise<void> {
    const startedAt = this.clock.now();
    const result = claimedDelivery.target.startsWith('sink:')
      ? await this.publish(claimedDelivery, startedAt)
      : await this.post(claimedDelivery, startedAt);
    const now = this.clock.now();
    const dead = result.outcome !== 'succeeded' && claimedDelivery.attempts >= this.retry.maxAttempts;
    // 410 Gone is the Standard Webhooks signal that an endpoint is retired: hold its deliveries.
    const pauseReason = result.statusCode === 410 ? 'the endpoint answered 410 Gone' : undefined;
    const retryAt = new Date(now.getTime() + retryDelayMs(this.retry, claimedDelivery.attempts));
    const kind = sink ? 'sink' : 'webhook';
    deliveryAttempts.inc({ outcome: result.outcome, kind });
    if (dead && !pauseReason) deadLettered.inc({ kind });
    annotate({
      'ordo.delivery.outcome': result.outcome,
      'http.response.status_code': result.statusCode,
      'ordo.delivery.dead': dead && !pauseReason,
    });
    if (result.outcome !== 'succeeded') markSpanFailed(result.error ?? result.outcome);
    await completeDelivery(
      this.opts.db,
      claimedDelivery,
      result,
      { dead: dead && !pauseReason, retryAt, pauseReason },
      this.workerId,
      now,
    );
    if (result.outcome !== 'succeeded') {
      this.log.warn(
        {
          deliveryId: claimedDelivery.id,
          eventId: claimedDelivery.event_id,
          target: claimedDelivery.target,
          attempt: claimedDelivery.attempts,
          error: result.error,
          dead,
        },
        'event delivery failed',
      );
    }
  }

  private async post(claimedDelivery: ClaimedDelivery, startedAt: Date): Promise<AttemptResult> {
    if (!claimedDelivery.url || !claimedDelivery.secret) {
      return {
        outcome: 'error',
        statusCode: null,
        latencyMs: 0,
        excerpt: null,
        error: 'the subscription no longer exists',
        startedAt,
      };
    }
    const body = webhookBody(claimedDelivery);
    const secrets = signingSecrets(
      {
        secret: claimedDelivery.secret,
        previous_secret: claimedDelivery.previous_secret,
        previous_secret_until: claimedDelivery.previous_secret_until,
      },
      startedAt,
    );
    const headers = {
      ...signedHeaders(secrets, claimedDelivery.event_id, Math.floor(startedAt.getTime() / 1000), body),
      'ordo-delivery-id': claimedDelivery.id,
      'ordo-delivery-attempt': String(claimedDelivery.attempts),
      'ordo-event-type': claimedDelivery.event_type,
      ...traceHeaders(),
    };
    return {
      ...(await postWebhook(claimedDelivery.url, headers, body, this.timeoutMs, {
        allowPrivate: this.opts.allowPrivateTargets === true,
      })),
      startedAt,
    };
  }

  private async publish(claimedDelivery: ClaimedDelivery, startedAt: Date): Promise<AttemptResult> {
    const name = claimedDelivery.target.slice('sink:'.length);
    const sink = this.sinks.get(name);
    const t0 = performance.now();
    if (!sink)
      return {
        outcome: 'error',
        statusCode: null,
        latencyMs: 0,
        excerpt: null,
        error: `sink ${name} is not configured on worker ${this.workerId}`,
        startedAt,
      };
    try {
      const ack = await withTimeout(
        sink.publish(
          toCloudEvent({
            id: claimedDelivery.event_id,
            type: claimedDelivery.event_type,
            tenantId: claimedDelivery.tenant_id,
            subject: claimedDelivery.subject,
            time: new Date(claimedDelivery.event_time),
            schemaVersion: claimedDelivery.schema_version,
            payload: claimedDelivery.payload,
          }),
        ),
        this.timeoutMs,
      );
      return {
        outcome: 'succeeded',
        statusCode: null,
        latencyMs: Math.round(performance.now() - t0),
        excerpt: ack.duplicate ? 'duplicate (already stored)' : 'acknowledged',
        error: null,
        startedAt,
      };
    } catch (error) {
      return {
        outcome: 'error',
        statusCode: null,
        latencyMs: Math.round(performance.now() - t0),
        excerpt: null,
        error: (error as Error).message || String(error),
        startedAt,
      };
    }
  }
}

function withTimeout<T>(value: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    value,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
