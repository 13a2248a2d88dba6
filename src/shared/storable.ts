/**
 * What PostgreSQL can store, checked before any I/O: no NUL (text and jsonb refuse it) and no
 * lone UTF-16 surrogate (jsonb refuses its escape; text would silently store U+FFFD instead),
 * in any string or object key, and JSON no deeper than a fixed limit (deep nesting costs stack
 * in every recursive walk after the parser: validation, hashing, serialising).
 */
import { AppError } from './errors.js';

/** The largest value of a PostgreSQL integer (int4) column: versions, capacities, dimensions. */
export const INT4_MAX = 2_147_483_647;

/** Nesting deeper than this is refused: real documents (orders, process definitions) stay below 20. */
export const MAX_JSON_DEPTH = 64;

// NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or null when it can. */
export function unstorableText(text: string): string | null {
  const match = UNSTORABLE.exec(text);
  if (!match) return null;
  return match[0] === '\u0000' ? 'must not contain NUL characters' : 'must not contain lone UTF-16 surrogates';
}

export interface Unstorable {
  /** JSON pointer of the value (or key) at fault, "" for the whole value. */
  path: string;
  message: string;
}

const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The first place in a parsed JSON value that cannot be stored, or null. Iterative, so a value
 * nested past the limit is reported instead of overflowing the stack.
 */
export function findUnstorable(value: unknown, maxDepth = MAX_JSON_DEPTH): Unstorable | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length) {
    const item = stack.pop()!;
    const current = item.value;
    if (typeof current === 'string') {
      const why = unstorableText(current);
      if (why) return { path: item.path, message: why };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (item.depth >= maxDepth) return { path: item.path, message: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--)
        stack.push({ value: current[index], path: `${item.path}/${index}`, depth: item.depth + 1 });
      continue;
    }
    const keys = Object.keys(current);
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index]!;
      const path = `${item.path}/${escape(key)}`;
      const why = unstorableText(key);
      if (why) return { path, message: `the key ${why.replace('must not contain', 'contains')}` };
      stack.push({ value: (current as Record<string, unknown>)[key], path, depth: item.depth + 1 });
    }
  }
  return null;
}

/**
 * The deepest nesting of a JSON text, read without parsing it (brackets outside strings), stopping
 * as soon as it passes `limit`: cheap enough to run on every body before JSON.parse.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 92 /* \ */) index++;
      else if (code === 34 /* " */) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 91 /* [ */ || code === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (code === 93 /* ] */ || code === 125 /* } */) depth--;
  }
  return false;
}

/** The refusal of a body nested past the limit: 400 with the whole body at fault. */
export function tooDeepError(): AppError {
  const message = `nested deeper than ${MAX_JSON_DEPTH} levels`;
  return new AppError('VALIDATION_FAILED', `the body is ${message}`, [{ path: '/', message, code: 'too_deep' }]);
}

/** The refusal of a value that cannot be stored: 400 naming the place. */
export function unstorableError(bad: Unstorable): AppError {
  return new AppError('VALIDATION_FAILED', `${bad.path || 'the body'} ${bad.message}`, [
    { path: bad.path || '/', message: bad.message, code: 'invalid_characters' },
  ]);
}

/**
 * JSON text received raw (signed webhooks) → its value, refused as the API's bodies are when it is
 * too deep or holds what cannot be stored; `undefined` when the text is not JSON at all.
 */
export function parseJsonChecked(text: string): { value: unknown } | undefined {
  if (jsonDepthExceeds(text)) throw tooDeepError();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const bad = findUnstorable(value);
  if (bad) throw unstorableError(bad);
  return { value };
}

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/**
 * JSON text of a value kept as a record of what a partner sent (a channel's payload in the
 * ingestion log): every NUL and lone surrogate, in strings and keys, becomes U+FFFD and nesting
 * past the limit is cut, so the record can always be stored. Not for data Ordo acts on: that is
 * refused instead (findUnstorable).
 */
export function storableJson(value: unknown): string {
  const clean = (current: unknown, depth: number): unknown => {
    if (typeof current === 'string') return current.replace(UNSTORABLE_ALL, '\ufffd');
    if (current === null || typeof current !== 'object') return current;
    if (depth >= MAX_JSON_DEPTH) return `[nested deeper than ${MAX_JSON_DEPTH} levels]`;
    if (Array.isArray(current)) return current.map((item) => clean(item, depth + 1));
    return Object.fromEntries(
      Object.entries(current).map(([key, item]) => [clean(key, depth) as string, clean(item, depth + 1)]),
    );
  };
  return JSON.stringify(clean(JSON.parse(JSON.stringify(value ?? null)), 0));
}
