import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type Message, type MessageKey, type Messages } from './en';
import { pl } from './pl';
import { ru } from './ru';

export const LANGUAGES = ['en', 'pl', 'ru'] as const;
export type Lang = (typeof LANGUAGES)[number];
export type { MessageKey };

const CATALOGUES: Record<Lang, Messages> = { en, pl, ru };
/** Intl locales: Polish and Russian as spoken in Poland and Russia; English with ISO dates. */
const LOCALES: Record<Lang, string> = { en: 'en-GB', pl: 'pl-PL', ru: 'ru-RU' };
const STORAGE_KEY = 'ordo.lang';

export const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** Pure lookup, usable outside React (and in tests of the catalogue). */
export function translate(lang: Lang, key: MessageKey, params: Params = {}): string {
  return formatMessage(lang, CATALOGUES[lang][key] ?? en[key], params);
}

/** A message in its plural form for params.count, with {name} placeholders filled in. */
export function formatMessage(lang: Lang, msg: Message, params: Params = {}): string {
  let text: string;
  if (typeof msg === 'string') text = msg;
  else {
    const n = Number(params.count ?? 0);
    const form = new Intl.PluralRules(LOCALES[lang]).select(n) as keyof typeof msg;
    text = msg[form] ?? msg.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? new Intl.NumberFormat(LOCALES[lang]).format(v) : v;
  });
}

interface I18n {
  lang: Lang;
  locale: string;
  t: Translate;
  /** A translation when the catalogue has one (states, actions, fields), else the fallback. */
  tMaybe: (key: string, fallback: string) => string;
  setLang: (lang: Lang) => void;
}

const Ctx = createContext<I18n | null>(null);

function initialLang(): Lang {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (isLang(saved)) return saved;
  const nav = navigator.language.slice(0, 2);
  return isLang(nav) ? nav : 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(STORAGE_KEY, l);
    setLangState(l);
  }, []);
  const value = useMemo<I18n>(
    () => ({
      lang,
      locale: LOCALES[lang],
      setLang,
      t: (key, params) => translate(lang, key, params),
      tMaybe: (key, fallback) => (key in en ? translate(lang, key as MessageKey) : fallback),
    }),
    [lang, setLang],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The user's language, its Intl locale and the translate function. */
export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

/** Adopts the server-side preference of a user who never chose a language in this browser. */
export function adoptUserLocale(userLocale: string | undefined | null, setLang: (l: Lang) => void) {
  if (!localStorage.getItem(STORAGE_KEY) && isLang(userLocale)) setLang(userLocale);
}

export type Catalogue<K extends string> = Record<Lang, Record<K, Message>>;
export interface ChunkTranslate<K extends string> {
  (key: K | MessageKey, params?: Params): string;
  /** The chunk's translation when it has one, else the fallback. */
  maybe(key: string, fallback: string): string;
}

/** A lookup in a chunk's own catalogue (designer, tracking page), in the given language, then in the main one. */
export function translateIn<K extends string>(cat: Catalogue<K>, lang: Lang): ChunkTranslate<K> {
  const own = cat[lang] as Record<string, Message>;
  const enOwn = cat.en as Record<string, Message>;
  const t = ((key: string, params?: Params) => {
    const msg = own[key] ?? enOwn[key];
    return msg === undefined ? translate(lang, key as MessageKey, params) : formatMessage(lang, msg, params);
  }) as ChunkTranslate<K>;
  t.maybe = (key, fallback) => (key in enOwn || key in en ? t(key as K, {}) : fallback);
  return t;
}

/** translateIn for the user's current language. */
export function useMessages<K extends string>(cat: Catalogue<K>): ChunkTranslate<K> {
  const { lang } = useI18n();
  return useMemo(() => translateIn(cat, lang), [cat, lang]);
}
