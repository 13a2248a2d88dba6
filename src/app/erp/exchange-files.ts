/**
 * Files 1C uploads with `mode=file`: stored per exchange session under the name 1C gives, each
 * chunk appended in the order it arrives. A name is a relative path ("import.xml",
 * "import_files/ab/abcd.jpg"); one that climbs out ("..", an absolute path, a backslash, a drive)
 * is refused.
 */
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-erp.js';

export const MAX_EXCHANGE_FILE_BYTES = 200 * 1024 * 1024;

/** The reason a file name is refused, or null when it is a safe relative path. */
export function unsafeFileName(name: string): string | null {
  if (!name) return 'no filename given';
  if (name.length > 255) return 'the filename is longer than 255 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the filename holds control characters';
  if (name.includes('\\')) return 'the filename holds a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'the filename is an absolute path';
  if (name.split('/').some((part) => part === '..' || part === '.' || part === ''))
    return 'the filename leaves the exchange folder (.. or an empty segment)';
  return null;
}

/** Appends a chunk (a file imported before under the same name starts over: a new exchange sends it again). */
export async function appendChunk(
  store: TenantScope,
  sessionId: string,
  filename: string,
  chunk: Buffer,
  now: Date,
): Promise<{ bytes: number; chunks: number }> {
  const row = await store
    .insertInto('erp_exchange_files', {
      session_id: sessionId,
      filename,
      data: chunk,
      chunks: 1,
      imported_at: null,
      outcome: null,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'session_id', 'filename']).doUpdateSet({
        data: sql`case when erp_exchange_files.imported_at is null then erp_exchange_files.data || excluded.data else excluded.data end`,
        chunks: sql`case when erp_exchange_files.imported_at is null then erp_exchange_files.chunks + 1 else 1 end`,
        imported_at: null,
        outcome: null,
        updated_at: now,
      }),
    )
    .returning([sql<number>`octet_length(data)`.as('bytes'), 'chunks'])
    .executeTakeFirstOrThrow();
  const bytes = Number(row.bytes);
  if (bytes > MAX_EXCHANGE_FILE_BYTES)
    throw new AppError('PAYLOAD_TOO_LARGE', `${filename} is larger than ${MAX_EXCHANGE_FILE_BYTES} bytes`);
  return { bytes, chunks: row.chunks };
}

export async function loadFile(store: TenantScope, sessionId: string, filename: string) {
  const row = await store
    .selectFrom('erp_exchange_files')
    .select(['data', 'chunks', 'imported_at', 'outcome'])
    .where('session_id', '=', sessionId)
    .where('filename', '=', filename)
    .executeTakeFirst();
  // PGlite hands bytea back as a Uint8Array, pg as a Buffer
  return row ? { ...row, data: Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength) } : undefined;
}

export async function markImported(
  store: TenantScope,
  sessionId: string,
  filename: string,
  outcome: string,
  now: Date,
) {
  await store
    .updateTable('erp_exchange_files')
    .set({ imported_at: now, outcome })
    .where('session_id', '=', sessionId)
    .where('filename', '=', filename)
    .execute();
}

export async function clearSessionFiles(store: TenantScope, sessionId: string) {
  await store.deleteFrom('erp_exchange_files').where('session_id', '=', sessionId).execute();
}

const CLOSING_UTF8 = Buffer.from('</КоммерческаяИнформация>', 'utf8');
const CLOSING_1251 = iconv.encode('</КоммерческаяИнформация>', 'windows-1251');

/** True when the bytes end with the closing root tag (in UTF-8 or windows-1251): the last chunk has arrived. */
export function looksComplete(data: Buffer): boolean {
  const tail = data.subarray(Math.max(0, data.length - 256));
  return tail.includes(CLOSING_UTF8) || tail.includes(CLOSING_1251);
}
