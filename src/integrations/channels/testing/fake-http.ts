/**
 * The local marketplace and shop servers' plumbing (integrations/testing/fake-http.ts): request
 * log, failure switches, clean shutdown. Each channel's fake (speaking its partner's published
 * format) supplies only its routes and error bodies.
 */
import { startFakeHttp, type FakeHttpRoutes, type FakeHttpServer } from '../../testing/fake-http.js';

export type { FakeFailure, FakeReply, RecordedRequest } from '../../testing/fake-http.js';
export type FakeChannelServer = FakeHttpServer;
export type FakeRoutes = FakeHttpRoutes;

export function startFakeServer(routes: FakeRoutes): Promise<FakeChannelServer> {
  return startFakeHttp(routes, { serverErrorStatus: 503, malformedBody: '{"orders": [' });
}
