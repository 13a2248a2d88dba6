import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carriersConfigFrom, carriersFromConfig } from '../../src/app/fulfilment/carriers-from-config.js';
import { loadConfig } from '../../src/config.js';

const carriers = (env: Record<string, string>) => loadConfig(env).carriers;

test('Given carrier credentials in the environment, Then only those carriers are configured, with their base URLs, and the manual carrier unless switched off', () => {
  const cfg = carriersConfigFrom(
    carriers({
      INPOST_TOKEN: 't',
      INPOST_ORGANIZATION_ID: '42',
      INPOST_BASE_URL: 'http://127.0.0.1:9999',
      CDEK_CLIENT_ID: 'id',
      ORDO_CARRIER_TIMEOUT_MS: '2500',
    }),
  );
  assert.deepEqual(cfg.inpost, { baseUrl: 'http://127.0.0.1:9999', timeoutMs: 2500, token: 't', organizationId: '42' });
  assert.equal(cfg.cdek, undefined, 'CDEK needs its secret too');
  assert.equal(cfg['dhl-parcel-de'], undefined);
  assert.deepEqual(
    [...carriersFromConfig(carriers({ INPOST_TOKEN: 't', INPOST_ORGANIZATION_ID: '42' })).keys()].sort(),
    ['inpost', 'manual'],
  );
  assert.deepEqual([...carriersFromConfig(carriers({ ORDO_CARRIER_MANUAL: 'off' })).keys()], []);
});
