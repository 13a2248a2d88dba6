/** Public surface of the channel integrations: one connector interface, six shops and marketplaces. */
import type { ChannelConnector } from './types.js';

export * from './types.js';

/** Every connector this build ships, by kind; a connection names one. */
export function createChannelConnectors(): ReadonlyMap<string, ChannelConnector> {
  const connectors: ChannelConnector[] = [];
  return new Map(connectors.map((connector) => [connector.kind, connector]));
}
