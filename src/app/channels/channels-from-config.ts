import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import { parseSecretKey, SECRET_KEY_BYTES } from '../../shared/secret-box.js';
import { createChannelConnectors } from '../../integrations/channels/index.js';
import type { ChannelServices } from './services.js';

/**
 * The key sealing channel credentials: ORDO_SECRETS_KEY when set; otherwise `secrets.key` in the
 * data folder (made on first start, readable by its owner only); a throw-away key for an
 * in-memory database, whose connections die with it anyway.
 */
export function secretsKey(config: Pick<Config, 'channels' | 'database'>): { key: Buffer; source: string } {
  const configured = config.channels.secretsKey;
  if (configured) {
    const key = parseSecretKey(configured);
    if (!key) throw new Error(`ORDO_SECRETS_KEY must be base64 of ${SECRET_KEY_BYTES} bytes`);
    return { key, source: 'ORDO_SECRETS_KEY' };
  }
  const dir = config.database.dataDir;
  if (!dir || dir.startsWith('memory://'))
    return { key: randomBytes(SECRET_KEY_BYTES), source: 'in-memory (throw-away)' };
  const file = join(dir, 'secrets.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(SECRET_KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  const key = parseSecretKey(readFileSync(file, 'utf8'));
  if (!key) throw new Error(`${file} does not hold base64 of ${SECRET_KEY_BYTES} bytes`);
  return { key, source: file };
}

export function channelsFromConfig(
  config: Pick<Config, 'channels' | 'database'>,
): ChannelServices & { keySource: string } {
  const { key, source } = secretsKey(config);
  return {
    connectors: createChannelConnectors(),
    secretKey: key,
    http: config.channels.timeoutMs ? { timeoutMs: config.channels.timeoutMs } : {},
    keySource: source,
  };
}
