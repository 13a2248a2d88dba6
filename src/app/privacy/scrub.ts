import { createHash } from 'node:crypto';

/** What an erased value reads as: the same everywhere, so a reader sees that something was removed. */
export const ERASED = '[erased]';

/**
 * The strings that identify one person (names, e-mails, phones, address lines), searched for in
 * free text and JSON. Matching is case-insensitive and Unicode-aware (Ł/ł, Д/д). Strings shorter
 * than 3 characters are not needles: they would erase unrelated text.
 */
export class Needles {
  readonly values: string[];
  private readonly pattern: RegExp | null;

  constructor(strings: Iterable<string | null | undefined>) {
    const set = new Set<string>();
    for (const raw of strings) {
      if (typeof raw !== 'string') continue;
      const value = raw.trim();
      if (value.length < 3 || value === ERASED) continue;
      set.add(value);
      const digits = value.replace(/\D/g, '');
      // a phone written with spaces or dashes is also found written without them
      if (/^[+\d\s().-]+$/.test(value) && digits.length >= 6) set.add(digits);
    }
    this.values = [...set].sort((a, b) => b.length - a.length);
    this.pattern = this.values.length
      ? new RegExp(this.values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'giu')
      : null;
  }

  get empty(): boolean {
    return this.values.length === 0;
  }

  /** Whether the text holds any of the needles. */
  foundIn(text: string): boolean {
    if (!this.pattern) return false;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text);
  }

  /** The text with every needle replaced by ERASED. */
  scrubText(text: string): string {
    if (!this.pattern) return text;
    this.pattern.lastIndex = 0;
    return text.replace(this.pattern, ERASED);
  }
}

/** Keys whose value is personal wherever they appear (order history changes, event payloads, channel records). */
const PERSONAL_KEYS = new Set([
  'email',
  'phone',
  'mobile',
  'customerName',
  'customerEmail',
  'customerPhone',
  'customer_name',
  'customer_email',
  'customer_phone',
  'firstName',
  'lastName',
  'middleName',
  'fullName',
  'first_name',
  'last_name',
  'recipient',
  'contactName',
  'contactPerson',
  'buyerName',
]);

/** Keys naming an object about a person: every text field in it is personal except those in KEEP. */
const PERSON_OBJECTS = new Set([
  'shippingAddress',
  'billingAddress',
  'shipping_address',
  'billing_address',
  'address',
  'customer',
  'buyer',
  'receiver',
  'recipientAddress',
  'contact',
  'contacts',
  'addresses',
]);

/** Fields of a person or address object that say nothing about the person alone. */
const KEEP = new Set(['country', 'countryCode', 'id', 'code', 'masked', 'type', 'kind', 'erased']);

const ADDRESS_FIELDS = ['line1', 'line2', 'street', 'postalCode', 'address1', 'address2'];

function looksLikeAddress(obj: Record<string, unknown>): boolean {
  return ADDRESS_FIELDS.some((k) => typeof obj[k] === 'string');
}

/**
 * The value with the person's data removed: needles replaced in every string, personal keys and
 * the text fields of address and person objects replaced by ERASED, coordinates dropped. Amounts,
 * ids, SKUs and states are left as they are. Pure: returns a new value.
 */
export function scrubJson(value: unknown, needles: Needles, inPerson = false): unknown {
  if (typeof value === 'string') {
    if (inPerson && value !== '') return ERASED;
    return needles.scrubText(value);
  }
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, needles, inPerson));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const person = inPerson || looksLikeAddress(obj);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(obj)) {
      if (person && KEEP.has(key) && typeof item !== 'object') {
        out[key] = item;
        continue;
      }
      if (person && (key === 'latitude' || key === 'longitude')) continue;
      if (PERSONAL_KEYS.has(key) && typeof item === 'string' && item !== '') {
        out[key] = ERASED;
        continue;
      }
      out[key] = scrubJson(item, needles, person || (PERSON_OBJECTS.has(key) && item !== null));
    }
    return out;
  }
  return value;
}

/** Whether scrubbing would change the value (then the row is rewritten). */
export function differs(before: unknown, after: unknown): boolean {
  return JSON.stringify(before) !== JSON.stringify(after);
}

/** The normal form of an e-mail (lower case) or phone (digits only) for matching and hashing. */
export function normalEmail(email: string): string {
  return email.trim().toLowerCase();
}
export function normalPhone(phone: string): string {
  return phone.replace(/\D/g, '');
}

/** The salted hash a repeated request is recognised by (the address itself is not kept). */
export function subjectHash(tenantId: string, kind: 'email' | 'phone', value: string): string {
  const normal = kind === 'email' ? normalEmail(value) : normalPhone(value);
  return createHash('sha256').update(`${tenantId}\u0000${kind}\u0000${normal}`).digest('hex');
}
