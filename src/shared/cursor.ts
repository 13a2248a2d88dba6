import { AppError } from './errors.js';
import { isUuid } from './ids.js';

/** Opaque list cursors: the last id seen, base64url-encoded so clients do not build them. */
export const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id))
    throw new AppError('VALIDATION_FAILED', 'the cursor is not valid', [
      { path: 'query:cursor', message: 'not a cursor returned by this API' },
    ]);
  return id;
}
