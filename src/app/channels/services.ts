import type { ChannelConnector, ChannelHttpOptions } from '../../integrations/channels/types.js';

/** What the channel capability needs, built by the composition root. */
export interface ChannelServices {
  /** Connectors by kind ('shopify', 'allegro' …). */
  connectors: ReadonlyMap<string, ChannelConnector>;
  /** AES-256-GCM key sealing connection credentials (ORDO_SECRETS_KEY or the data folder's key file). */
  secretKey: Buffer;
  /** Timeouts (and, in tests, fetch) for calls to channels. */
  http: ChannelHttpOptions;
}
