import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useI18n } from '../i18n/index';
import { formatMoney } from '../format';
import type { Order } from '../api';
import type { Payment } from '../money-api';

/** Payment methods, providers and amounts in the user's words ("card via Stripe", "129,99 zł"). */
export function useMoneyWords() {
  const { t, tMaybe, locale } = useI18n();
  const method = (m: string) => tMaybe(`payMethod.${m}`, m.replaceAll('_', ' '));
  const provider = (p: string) => tMaybe(`provider.${p}`, p);
  const via = (p: Pick<Payment, 'method' | 'provider'>) =>
    p.provider ? t('money.via', { method: method(p.method), provider: provider(p.provider) }) : method(p.method);
  const money = (v: string | null | undefined, currency: string) => formatMoney(v, currency, locale);
  return { t, tMaybe, locale, method, provider, via, money };
}

export type MoneyWords = ReturnType<typeof useMoneyWords>;

/** After a money action: the order's payments, invoices, state, timeline and credit may all have moved. */
export function useMoneyRefresh(orderId: string) {
  const client = useQueryClient();
  return () =>
    Promise.all(
      [['payments', orderId], ['invoices', orderId], ['order', orderId], ['history', orderId], ['credit']].map(
        (queryKey) => client.invalidateQueries({ queryKey }),
      ),
    );
}

export interface Outcome {
  ok: boolean;
  text: string;
}

/** What every money dialog is given: the order, the words, where to report the outcome, and how to close. */
export interface DialogProps {
  order: Order;
  words: MoneyWords;
  done: (o: Outcome) => void;
  onClose: () => void;
}

/** Each confirmed action is its own command: a fresh Idempotency-Key. */
export const fresh = () => ({ 'idempotency-key': crypto.randomUUID() });

/**
 * Capture, void and refund run in their own transaction (the provider is called after the
 * commit), and the server answers 500 to those routes when an Idempotency-Key is sent (its key
 * check opens the transaction the command then cannot open). They go without one until that is
 * fixed; the dialog's busy state keeps a double click from sending twice.
 */
export const PROVIDER_CALL: Record<string, string> = {};

/** The last action's outcome in a panel; it was said in one language, so switching language clears it. */
export function useOutcome() {
  const { lang } = useI18n();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => setOutcome(null), [lang]);
  return [outcome, setOutcome] as const;
}
