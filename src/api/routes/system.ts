import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Deps } from '../deps.js';
import { checkDatabase } from '../../app/system/check-database.js';
import { OperatorFiguresCache, type OperatorFigures } from '../../app/system/operator-metrics.js';
import { processRegistry } from '../../shared/metrics.js';
import { sendProblem } from '../problem.js';

/** Operator endpoints: liveness, readiness (database reachable, migrated, not draining), Prometheus metrics. */
export function systemRoutes(app: FastifyInstance, deps: Deps) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'ordo_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const hide = { schema: { hide: true } };
  app.get('/healthz', hide, async () => ({ status: 'ok' }));
  app.get('/readyz', hide, async (_request, reply) => {
    // a load balancer takes a draining node out of rotation while its requests in flight finish
    if (deps.draining?.()) return reply.code(503).send({ status: 'draining' });
    try {
      await checkDatabase(deps.db);
      if (!(await deps.ready())) return reply.code(503).send({ status: 'starting' });
      return { status: 'ready', database: deps.dbKind };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', reason: (error as Error).message });
    }
  });
  operatorGauges(registry, new OperatorFiguresCache(deps.db, () => deps.clock.now()));
  const metrics = Registry.merge([registry, processRegistry]);
  const token = deps.config?.observability.metricsToken;
  app.get('/metrics', hide, async (request, reply) => {
    if (token && !sameSecret(/^bearer[ \t]+(\S+)/i.exec(request.headers.authorization ?? '')?.[1] ?? '', token))
      return sendProblem(reply, 'UNAUTHENTICATED', 'send Authorization: Bearer <ORDO_METRICS_TOKEN>');
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });
}

function sameSecret(given: string, expected: string): boolean {
  const left = Buffer.from(given);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The database gauges an operator alerts on (docs/observability.md), computed when scraped from
 * a cache of a few seconds (OperatorFiguresCache): every gauge of one scrape reads the same figures.
 */
function operatorGauges(registry: Registry, cache: OperatorFiguresCache) {
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    set: (gauge: Gauge, figures: OperatorFigures) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const { figures, ok } = await cache.get();
        this.reset();
        if (name === 'ordo_operator_metrics_up') this.set(ok ? 1 : 0);
        else if (figures) set(this, figures);
      },
    });
  gauge(
    'ordo_operator_metrics_up',
    '1 when the last read of the database gauges succeeded (they keep their last values otherwise)',
    [],
    () => {},
  );
  gauge(
    'ordo_outbox_lag_seconds',
    'Age of the oldest event not yet delivered to every target (0 when none)',
    [],
    (metric, figures) => metric.set(figures.outboxLagSeconds),
  );
  gauge(
    'ordo_outbox_due_lag_seconds',
    'How long the oldest due delivery has waited for a worker (0 when none)',
    [],
    (metric, figures) => metric.set(figures.dueLagSeconds),
  );
  gauge('ordo_outbox_unfanned_events', 'Events written but not yet turned into deliveries', [], (metric, figures) =>
    metric.set(figures.unfannedEvents),
  );
  gauge(
    'ordo_outbox_pending_deliveries',
    'Deliveries pending or in flight, and those due now',
    ['state'],
    (metric, figures) => {
      metric.set({ state: 'open' }, figures.openDeliveries);
      metric.set({ state: 'due' }, figures.dueDeliveries);
    },
  );
  gauge(
    'ordo_outbox_dead_letters',
    'Dead-lettered deliveries by tenant and target (subscription id or sink:name)',
    ['tenant', 'target', 'kind'],
    (metric, figures) => {
      for (const row of figures.deadLetters)
        metric.set({ tenant: row.tenant, target: row.target, kind: row.kind }, row.count);
    },
  );
  gauge('ordo_jobs_due', 'Jobs whose run time has come and that have not run', [], (metric, figures) =>
    metric.set(figures.dueJobs),
  );
  gauge(
    'ordo_jobs_lag_seconds',
    'How far past its run time the oldest due job is (0 when none)',
    [],
    (metric, figures) => metric.set(figures.jobLagSeconds),
  );
  gauge('ordo_jobs_failed', 'Jobs that failed their last attempt, by kind', ['kind'], (metric, figures) => {
    for (const row of figures.failedJobs) metric.set({ kind: row.kind }, row.count);
  });
  gauge(
    'ordo_process_exceptions',
    'Orders in a process exception, by tenant and exception kind',
    ['tenant', 'kind'],
    (metric, figures) => {
      for (const row of figures.exceptions) metric.set({ tenant: row.tenant, kind: row.kind }, row.count);
    },
  );
  gauge(
    'ordo_db_pool_connections',
    'Database connections of this process by state (open, idle, max; the embedded database has one session)',
    ['state'],
    (metric, figures) => {
      if (!figures.pool) return;
      metric.set({ state: 'open' }, figures.pool.total);
      metric.set({ state: 'idle' }, figures.pool.idle);
      metric.set({ state: 'max' }, figures.pool.max);
    },
  );
  gauge('ordo_db_pool_waiting', 'Callers of this process queued for a database connection now', [], (metric, figures) =>
    metric.set(figures.pool?.waiting ?? 0),
  );
  gauge(
    'ordo_db_pool_acquires',
    'Connections handed out since start, and how many had to queue (a counter: use rate())',
    ['queued'],
    (metric, figures) => {
      if (!figures.pool) return;
      metric.set({ queued: 'false' }, figures.pool.acquired - figures.pool.queued);
      metric.set({ queued: 'true' }, figures.pool.queued);
    },
  );
  gauge(
    'ordo_db_pool_wait_seconds',
    'Seconds spent queued for a connection since start (a counter: use rate())',
    [],
    (metric, figures) => metric.set(figures.pool?.waitSeconds ?? 0),
  );
  gauge(
    'ordo_embedded_vacuums',
    "Tables the embedded database's upkeep vacuumed since start, one at a time (a counter; none on PostgreSQL, whose autovacuum does it)",
    [],
    (metric, figures) => {
      if (figures.pool?.vacuums !== undefined) metric.set(figures.pool.vacuums);
    },
  );
  gauge(
    'ordo_embedded_vacuum_seconds',
    "Seconds the embedded database's upkeep vacuumed since start, requests queued meanwhile (a counter: use rate())",
    [],
    (metric, figures) => {
      if (figures.pool?.vacuumSeconds !== undefined) metric.set(figures.pool.vacuumSeconds);
    },
  );
}
