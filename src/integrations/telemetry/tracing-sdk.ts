import { installTracer } from '../../shared/tracing.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

/**
 * Starts OpenTelemetry tracing (docs/observability.md): ORDO_TRACING=otlp exports over OTLP/HTTP
 * (protobuf) to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT (default
 * http://localhost:4318) in batches (OTEL_BSP_*); `console` prints each span; tests pass their own
 * exporter. The SDK is imported here, on demand: with ORDO_TRACING=off (the default) none of it
 * is loaded. Sampling (OTEL_TRACES_SAMPLER, _ARG), resource (OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES) and limits are the SDK's standard variables.
 */
export type TracingMode = 'off' | 'otlp' | 'console';

export interface Tracing {
  /** Sends what is buffered (before a process exits). */
  flush(): Promise<void>;
  /** Flushes, unregisters the SDK and switches the wrapper off. */
  shutdown(): Promise<void>;
}

let started: Promise<Tracing> | null = null;

/** Idempotent: the server and its in-process worker share one SDK. Null when the mode is off. */
export function startTracing(
  mode: TracingMode,
  opts: { exporter?: SpanExporter; serviceVersion?: string } = {},
): Promise<Tracing> | null {
  if (mode === 'off' && !opts.exporter) return null;
  started ??= load(mode, opts);
  return started;
}

/** The running SDK, if any (the server and the worker flush it when they stop). */
export function runningTracing(): Promise<Tracing> | null {
  return started;
}

async function load(mode: TracingMode, opts: { exporter?: SpanExporter; serviceVersion?: string }): Promise<Tracing> {
  const api = await import('@opentelemetry/api');
  const sdk = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes, envDetector, detectResources } = await import('@opentelemetry/resources');
  const resource = resourceFromAttributes({
    'service.name': 'ordo',
    ...(opts.serviceVersion ? { 'service.version': opts.serviceVersion } : {}),
  }).merge(detectResources({ detectors: [envDetector] }));
  let processor;
  if (opts.exporter) processor = new sdk.SimpleSpanProcessor(opts.exporter);
  else if (mode === 'console') processor = new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter());
  else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    processor = new sdk.BatchSpanProcessor(new OTLPTraceExporter());
  }
  const provider = new sdk.NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  installTracer(api, provider.getTracer('ordo', opts.serviceVersion));
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      installTracer(null);
      await provider.shutdown();
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
      started = null;
    },
  };
}
