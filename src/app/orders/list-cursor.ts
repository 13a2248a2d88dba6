import { AppError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';

/** The columns a list may be sorted by, and the orders column behind each. */
export const SORT_COLUMNS = {
  created: 'id',
  placed: 'placed_at',
  total: 'grand_total',
  number: 'number',
  state: 'state',
} as const;
export type SortKey = keyof typeof SORT_COLUMNS;
/** A sort a list is asked for: a column, or `-` and a column for descending. */
export type Sort = SortKey | `-${SortKey}`;
/** Every sort, each column ascending then descending: the API's `sort` values (orderListQuery). */
export const SORTS = (Object.keys(SORT_COLUMNS) as SortKey[]).flatMap((key): Sort[] => [key, `-${key}`]) as [
  Sort,
  ...Sort[],
];

/**
 * A keyset cursor: the sort, the last row's sort value and its id, base64url JSON so clients do
 * not build it. A bare id (the cursor of the default newest-first list) still reads.
 */
export function encodeCursor(sort: string, value: string, id: string) {
  return Buffer.from(JSON.stringify([sort, value, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, sort: string): { value: string; id: string } | null {
  if (!cursor) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (isUuid(text) && sort === '-created') return { value: text, id: text };
  try {
    const parsed = JSON.parse(text) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed[0] === sort &&
      typeof parsed[1] === 'string' &&
      isUuid(String(parsed[2]))
    )
      return { value: parsed[1], id: String(parsed[2]) };
  } catch {
    // falls through to the refusal
  }
  throw new AppError('VALIDATION_FAILED', 'the cursor is not valid for this sort', [
    { path: 'query:cursor', message: 'not a cursor returned by this API for this sort' },
  ]);
}
