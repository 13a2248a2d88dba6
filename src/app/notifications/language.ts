import { isLanguage, type Language } from './built-in-templates.js';

const BY_COUNTRY: Record<string, Language> = { PL: 'pl', RU: 'ru', BY: 'ru', KZ: 'ru' };

/** 'pl', 'pl-PL', 'ru_RU', 'RU' → a supported language, else undefined. */
function asLanguage(v: unknown): Language | undefined {
  if (typeof v !== 'string') return undefined;
  const l = v.trim().toLowerCase().slice(0, 2);
  return isLanguage(l) ? l : undefined;
}

function fromCountry(v: unknown): Language | undefined {
  return typeof v === 'string' ? BY_COUNTRY[v.trim().toUpperCase()] : undefined;
}

export interface LanguageHints {
  orderAttributes?: Record<string, unknown> | null;
  customerAttributes?: Record<string, unknown> | null;
  customerLocale?: string | null;
  shippingCountry?: string | null;
  channelSettings?: Record<string, unknown> | null;
}

/**
 * The language a customer is written to in: the customer's own (order attribute `language`,
 * customer attribute `language`, the customer's locale), else the shipping address country's,
 * else the channel's (settings `language` or `country`); PL → Polish, RU/BY/KZ → Russian; else English.
 */
export function chooseLanguage(h: LanguageHints): Language {
  return asLanguage(h.orderAttributes?.language) ?? asLanguage(h.customerAttributes?.language) ?? asLanguage(h.customerLocale)
    ?? fromCountry(h.shippingCountry)
    ?? asLanguage(h.channelSettings?.language) ?? fromCountry(h.channelSettings?.country)
    ?? 'en';
}
