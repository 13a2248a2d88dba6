import { isLanguage, type Language } from './built-in-templates.js';

const BY_COUNTRY: Record<string, Language> = { PL: 'pl', RU: 'ru', BY: 'ru', KZ: 'ru' };

/** 'pl', 'pl-PL', 'ru_RU', 'RU' → a supported language, else undefined. */
function asLanguage(value: unknown): Language | undefined {
  if (typeof value !== 'string') return undefined;
  const label = value.trim().toLowerCase().slice(0, 2);
  return isLanguage(label) ? label : undefined;
}

function fromCountry(value: unknown): Language | undefined {
  return typeof value === 'string' ? BY_COUNTRY[value.trim().toUpperCase()] : undefined;
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
export function chooseLanguage(languageHints: LanguageHints): Language {
  return (
    asLanguage(languageHints.orderAttributes?.language) ??
    asLanguage(languageHints.customerAttributes?.language) ??
    asLanguage(languageHints.customerLocale) ??
    fromCountry(languageHints.shippingCountry) ??
    asLanguage(languageHints.channelSettings?.language) ??
    fromCountry(languageHints.channelSettings?.country) ??
    'en'
  );
}
