import { v7 as uuidv7, validate, version } from 'uuid';

/** Sortable ids (UUIDv7): time-ordered, so primary-key order is creation order. */
export function newId(): string {
  return uuidv7();
}

export function isId(value: string): boolean {
  return validate(value) && version(value) === 7;
}

/** Any UUID (v4 from partners, v7 of ours) — used to validate path parameters. */
export function isUuid(value: string): boolean {
  return validate(value);
}
