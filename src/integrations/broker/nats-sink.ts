import type { JetStreamClient, NatsConnection } from 'nats';
import type { CloudEvent, EventSink } from './sink.js';

export interface NatsSinkOptions {
  url: string;
  /** JetStream stream holding the events; created when missing. */
  stream?: string;
  /** Subject prefix: events go to `<prefix>.<tenant>.<type>`. */
  subjectPrefix?: string;
  /** How long JetStream remembers message ids to drop duplicates. */
  duplicateWindowMs?: number;
  timeoutMs?: number;
}

/**
 * CloudEvents to NATS JetStream. The event id is the `Nats-Msg-Id`, so a re-publish after a
 * crash inside the duplicate window is dropped by the server (and acknowledged as duplicate).
 * The connection reconnects forever; while NATS is away publish fails and the outbox retries.
 */
export async function natsSink(opts: NatsSinkOptions): Promise<EventSink> {
  const stream = opts.stream ?? 'ORDO_EVENTS';
  const prefix = opts.subjectPrefix ?? 'ordo.events';
  const timeout = opts.timeoutMs ?? 5_000;
  let nc: NatsConnection | null = null;
  let js: JetStreamClient | null = null;
  let connecting: Promise<JetStreamClient> | null = null;

  // Connect lazily, so a worker starts while NATS is down and catches up when it is back.
  const client = async (): Promise<JetStreamClient> => {
    if (js && nc && !nc.isClosed()) return js;
    connecting ??= (async () => {
      try {
        // loaded here, not at start: only a worker configured with NATS needs it
        const { connect } = await import('nats');
        nc = await connect({
          servers: opts.url,
          name: 'ordo-outbox',
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          timeout,
        });
        const jsm = await nc.jetstreamManager({ timeout });
        const windowNs = (opts.duplicateWindowMs ?? 2 * 60_000) * 1_000_000;
        try {
          await jsm.streams.info(stream);
        } catch {
          await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], duplicate_window: windowNs });
        }
        js = nc.jetstream({ timeout });
        return js;
      } finally {
        connecting = null;
      }
    })();
    return connecting;
  };

  return {
    name: 'nats',
    async publish(ce: CloudEvent) {
      const inner = await client();
      const subject = `${prefix}.${ce.ordotenant}.${ce.type}`;
      const ack = await inner.publish(subject, Buffer.from(JSON.stringify(ce)), { msgID: ce.id, timeout });
      return { duplicate: ack.duplicate };
    },
    async close() {
      const currentNc = nc as NatsConnection | null;
      nc = null;
      js = null;
      if (currentNc && !currentNc.isClosed()) await currentNc.close();
    },
  };
}
