import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Console passwords: scrypt, a memory-hard function built into Node (N=2^15, r=8 → 32 MiB per
 * hash), salted, encoded with its parameters so they can be raised later.
 */
const SCRYPT_COST = 1 << 15,
  SCRYPT_BLOCK_SIZE = 8,
  SCRYPT_PARALLELISM = 1,
  LEN = 32;
const MAXMEM = 128 * SCRYPT_COST * SCRYPT_BLOCK_SIZE * 2;

function scryptAsync(
  password: string,
  salt: Buffer,
  count: number,
  remaining: number,
  position: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, LEN, { N: count, r: remaining, p: position, maxmem: MAXMEM }, (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT_COST, SCRYPT_BLOCK_SIZE, SCRYPT_PARALLELISM);
  return `scrypt$${SCRYPT_COST}$${SCRYPT_BLOCK_SIZE}$${SCRYPT_PARALLELISM}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [algo, cost, blockSize, parallelism, salt, key] = encoded.split('$');
  if (algo !== 'scrypt' || !cost || !blockSize || !parallelism || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(
    password,
    Buffer.from(salt, 'base64url'),
    Number(cost),
    Number(blockSize),
    Number(parallelism),
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * API keys and session tokens are 256-bit random secrets: a fast hash is enough to store them
 * (no dictionary to attack), and lookup by hash stays an index probe.
 */
export function newSecret(kind: 'key' | 'session'): { secret: string; prefix: string; hash: string } {
  const prefix = randomBytes(4).toString('hex');
  const secret = `${kind === 'key' ? 'ordo' : 'ordos'}_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { secret, prefix, hash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
