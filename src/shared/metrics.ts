import { Counter, Registry } from 'prom-client';

/**
 * Counters of work done in this process (the outbox dispatcher, the jobs runner), registered in a
 * registry of their own that the API's /metrics merges with its request metrics and the database
 * gauges (src/api/routes/system.ts). A worker running in the server (ORDO_WORKER=on, the default)
 * is therefore visible at /metrics; the database gauges cover every worker whatever its process.
 */
export const processRegistry = new Registry();

export const deliveryAttempts = new Counter({
  name: 'ordo_outbox_delivery_attempts_total',
  help: 'Outbox delivery attempts made by this process, by outcome (succeeded, failed, timeout, error) and target kind (webhook, sink)',
  labelNames: ['outcome', 'kind'] as const,
  registers: [processRegistry],
});

export const deadLettered = new Counter({
  name: 'ordo_outbox_dead_lettered_total',
  help: 'Deliveries this process moved to the dead letters after their last attempt',
  labelNames: ['kind'] as const,
  registers: [processRegistry],
});

export const jobRuns = new Counter({
  name: 'ordo_jobs_runs_total',
  help: 'Jobs run by this process, by kind and outcome (done, retry, failed, deferred)',
  labelNames: ['kind', 'outcome'] as const,
  registers: [processRegistry],
});
