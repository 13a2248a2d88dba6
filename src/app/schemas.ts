/**
 * Field schemas every command shares (text without control characters, codes, money strings,
 * currencies, addresses): the rules of input, used by the use cases' command schemas and the API.
 */
import { z } from 'zod';
import { isCurrency } from '../shared/money.js';
import { findUnstorable, INT4_MAX, unstorableText } from '../shared/storable.js';

export { INT4_MAX };

// PostgreSQL cannot store NUL in text, and other control characters in names and addresses are
// always a client bug: refuse them at the edge with the field named, instead of a 500 later.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Free text: UTF-8, no control characters except tab and newlines, bounded. */
export const text = (max = 500) =>
  z
    .string()
    .max(max)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .refine((s) => unstorableText(s) === null, 'must not contain lone UTF-16 surrogates');
export const name = (max = 300) => text(max).trim().min(1);

/**
 * An e-mail address: an ASCII local part (what every mail server takes without SMTPUTF8) at a
 * domain that may be internationalised — `sklep@przykład.pl`, `info@почта.рф` or its punycode
 * form `info@xn--80a1acny.xn--p1ai` — as Polish and Russian customers have them.
 */
const EMAIL =
  /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+(?:\p{L}{2,}|xn--[a-z0-9-]+)$/u;
export const emailAddress = (max = 320) => z.email({ pattern: EMAIL, error: 'must be an e-mail address' }).max(max);
export const code = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');
/**
 * A stock-keeping unit: letters and digits of any script (Ozon's "УТ-0001365", "ŻÓŁW-1") plus
 * `. _ : - / # +` and inner spaces, 1–100 characters, starting with a letter or digit and not
 * ending in a space; no control characters.
 */
export const sku = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}._:/#+ -]*[\p{L}\p{N}\p{M}._:/#+-])?$/u,
    'letters and digits of any script, . _ : - / # + and inner spaces only',
  );
export const uuid = z.uuid();
export const currency = z.string().refine(isCurrency, 'must be an ISO 4217 currency code such as PLN, RUB, EUR');
export const moneyString = z.string({ error: 'must be a decimal string such as "12.50"' }).max(40);
export const rateString = z.string().max(20);
export const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as PL or RU');
export const attributes = z
  .record(z.string().max(100), z.unknown())
  .refine((o) => JSON.stringify(o).length <= 16_384, 'must be at most 16 KB')
  .refine((o) => findUnstorable(o) === null, 'must not contain NUL characters or lone surrogates, nor nest too deep');

/** A whole number that fits an int4 column, at least `min`. */
export const int4 = (min = 0) => z.number().int().min(min).max(INT4_MAX);
/** The same from a path or query string ("3"). */
export const int4String = (min = 0) => z.coerce.number().int().min(min).max(INT4_MAX);
export const timestamp = z.iso.datetime({ offset: true });
export const locale = z.enum(['en', 'pl', 'ru']);

export const address = z
  .object({
    name: name(),
    company: text(300).optional(),
    line1: name(300),
    line2: text(300).optional(),
    city: name(200),
    postalCode: text(20).optional(),
    region: text(200).optional(),
    country,
    phone: text(40).optional(),
    email: emailAddress().optional(),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
  })
  .strict();
export type Address = z.infer<typeof address>;
