import type * as OtelApi from '@opentelemetry/api';

/**
 * The thin tracing wrapper the rest of Ordo calls (docs/observability.md). OpenTelemetry is
 * reached only through here and through src/integrations/telemetry, which installs a tracer when
 * ORDO_TRACING is not `off`. Until then every function below is a null check: nothing of
 * OpenTelemetry is loaded (only its types are named here), no span, no context, no cost.
 */

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean | undefined | null>;

export interface SpanOptions {
  kind?: SpanKindName;
  /** A W3C traceparent to continue (an event's stored context): the span joins that trace. */
  parent?: string | null | undefined;
  /** Open the span only inside another one (a unit of work without a request or job is not traced). */
  onlyInTrace?: boolean;
  startTime?: number;
}

interface Backend {
  api: typeof OtelApi;
  tracer: OtelApi.Tracer;
  /** Where the request's span and the unit of work's span are kept in the context. */
  rootKey: symbol;
  workKey: symbol;
}

let backend: Backend | null = null;
/** Spans that carry an order id already (the request span of a batch keeps its first). */
const withOrder = new WeakSet<object>();

/** Called by the telemetry integration once its SDK is registered; `null` switches tracing off again. */
export function installTracer(api: typeof OtelApi | null, tracer?: OtelApi.Tracer): void {
  backend =
    api && tracer
      ? {
          api,
          tracer,
          rootKey: api.createContextKey('ordo.root_span'),
          workKey: api.createContextKey('ordo.work_span'),
        }
      : null;
}

export function tracingEnabled(): boolean {
  return backend !== null;
}

const KINDS: Record<SpanKindName, number> = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 };

/** Runs fn inside a new span (a child of the active one, or of `parent`); records a throw as an error. */
export function inSpan<T>(
  name: string,
  attributes: SpanAttributes,
  fn: () => Promise<T>,
  opts: SpanOptions = {},
): Promise<T> {
  const traced = backend;
  if (!traced) return fn();
  const { api } = traced;
  let parent = api.context.active();
  if (opts.parent) {
    const remote = parseTraceparent(opts.parent);
    if (remote) parent = api.trace.setSpanContext(api.ROOT_CONTEXT, remote);
  } else if (opts.onlyInTrace && !api.trace.getSpan(parent)) return fn();
  const span = traced.tracer.startSpan(
    name,
    {
      kind: KINDS[opts.kind ?? 'internal'],
      attributes: clean(attributes),
      ...(opts.startTime !== undefined ? { startTime: opts.startTime } : {}),
    },
    parent,
  );
  let ctx = api.trace.setSpan(parent, span);
  if (name === 'ordo.unit_of_work') ctx = ctx.setValue(traced.workKey, span);
  return api.context.with(ctx, async () => {
    try {
      return await fn();
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Adds attributes to the active span (no-op when tracing is off or outside a span). */
export function annotate(attributes: SpanAttributes): void {
  if (!backend) return;
  backend.api.trace.getSpan(backend.api.context.active())?.setAttributes(clean(attributes));
}

/** Marks the active span as failed without an exception (a webhook answered 500). */
export function markSpanFailed(message: string): void {
  if (!backend) return;
  backend.api.trace.getSpan(backend.api.context.active())?.setStatus({ code: 2, message });
}

/**
 * Names the order being worked on: on the active span, on the enclosing unit of work and on the
 * request's span (which keeps the first order it was told of: a batch names its first).
 */
export function annotateOrder(orderId: string, tenantId?: string): void {
  if (!backend) return;
  const { api, rootKey, workKey } = backend;
  const ctx = api.context.active();
  const attributes = clean({ 'ordo.order_id': orderId, 'ordo.tenant_id': tenantId });
  for (const span of new Set([api.trace.getSpan(ctx), ctx.getValue(workKey), ctx.getValue(rootKey)])) {
    if (!span || (span === ctx.getValue(rootKey) && withOrder.has(span))) continue;
    (span as OtelApi.Span).setAttributes(attributes);
    withOrder.add(span);
  }
}

/** The W3C traceparent of the active span, to store with an event or send with a request. */
export function currentTraceparent(): string | undefined {
  if (!backend) return undefined;
  const spanContext = backend.api.trace.getSpan(backend.api.context.active())?.spanContext();
  if (!spanContext || !backend.api.isSpanContextValid(spanContext)) return undefined;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 1).toString(16).padStart(2, '0')}`;
}

/** Headers that carry the active trace to a webhook receiver (empty when tracing is off). */
export function traceHeaders(): Record<string, string> {
  const traceparent = currentTraceparent();
  return traceparent ? { traceparent } : {};
}

/** Records a span after the fact (work found only once it was done, like a fan-out batch). */
export function recordSpan(name: string, startTime: number, attributes: SpanAttributes, links: string[] = []): void {
  if (!backend) return;
  const spanLinks = links.flatMap((link) => {
    const context = parseTraceparent(link);
    return context ? [{ context }] : [];
  });
  backend.tracer.startSpan(name, { startTime, attributes: clean(attributes), links: spanLinks }).end();
}

/**
 * The HTTP request's span, for the API's hooks: started when the request arrives, continuing an
 * incoming `traceparent`; `run` makes it the active context, `end` closes it with the status.
 */
export interface RequestSpan {
  run(fn: () => void): void;
  annotate(attributes: SpanAttributes): void;
  error(error: unknown): void;
  end(statusCode: number): void;
}

export function startRequestSpan(
  name: string,
  headers: Record<string, string | string[] | undefined>,
  attributes: SpanAttributes,
): RequestSpan | null {
  if (!backend) return null;
  const { api, tracer, rootKey } = backend;
  const incoming = typeof headers.traceparent === 'string' ? parseTraceparent(headers.traceparent) : null;
  const parent = incoming ? api.trace.setSpanContext(api.ROOT_CONTEXT, incoming) : api.ROOT_CONTEXT;
  const span = tracer.startSpan(name, { kind: KINDS.server, attributes: clean(attributes) }, parent);
  const ctx = api.trace.setSpan(parent, span).setValue(rootKey, span);
  return {
    run: (fn) => api.context.with(ctx, fn),
    annotate: (more) => span.setAttributes(clean(more)),
    error: (error) => recordError(span, error),
    end(statusCode) {
      span.setAttribute('http.response.status_code', statusCode);
      if (statusCode >= 500) span.setStatus({ code: 2 });
      span.end();
    },
  };
}

function recordError(span: OtelApi.Span, error: unknown): void {
  const code = (error as { code?: unknown })?.code;
  if (error instanceof Error) span.recordException(error);
  if (typeof code === 'string') span.setAttribute('ordo.error.code', code);
  span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function parseTraceparent(value: string): OtelApi.SpanContext | null {
  const match = TRACEPARENT.exec(value.trim());
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return null;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16) & 1, isRemote: true };
}

function clean(attributes: SpanAttributes): OtelApi.Attributes {
  const out: OtelApi.Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined && value !== null) out[key] = value;
  return out;
}
