import { useCallback } from 'react';
import type { Message } from './en';
import { useI18n, useMessages, type Catalogue, type Lang } from './index';

/**
 * Words of the order's process on the console (issue 18): the safe event actions, the override,
 * the destructive confirmation and the business timeline, in English, Polish and Russian. The
 * process definition's own labels come first (`labels: {en, pl, ru}`), then the console's
 * catalogue (`state.*`, `outcome.*`), then the code made readable.
 */
const en = {
  'pw.overrideTitle': 'Manual override',
  'pw.overrideHint':
    'These events are raised by a system, carrier, payment or timer. Raise one by hand only when you know it happened; your reason is kept in the history.',
  'pw.source.system': 'system',
  'pw.source.carrier': 'carrier',
  'pw.source.payment': 'payment',
  'pw.source.timer': 'timer',
  'pw.source.integration': 'integration',
  'pw.source.person': 'person',
  'pw.raisedBy': 'raised by: {source}',
  'pw.reason': 'Reason',
  'pw.reasonHint': 'Why? This is kept in the history.',
  'pw.risks': 'Risks',
  'pw.confirmTitle': '{event}: are you sure?',
  'pw.confirmQuestion': '{event} — order {number}? This cannot be undone.',
  'pw.overrideQuestion': 'Raise “{event}” on order {number} by hand, instead of the {source}?',
  'pw.confirm': 'Yes, {event}',
  'pw.done': 'Done: {event}. The order is now: {state}.',
  'pw.destructive': 'asks for confirmation',
  'pw.system': 'system',
  'pw.process': 'process',
  'pw.showDetails': 'Show details',
  'pw.hideDetails': 'Hide details',
  'pw.engineSteps': { one: '{count} automatic step', other: '{count} automatic steps' },
  'pw.by': 'by {who}',
  'pw.why': 'Why: {text}',
  'pw.override': 'Manual override of a {source} event',
  'pw.moved': '{from} → {to}',
  'pw.entered': 'Now: {to}',
  'pw.event': '“{event}”',
  'pw.taskFor': 'for {role}',
  'pw.action.process.action': 'Step carried out',
  'pw.action.process.action_waiting': 'Waiting for a result',
  'pw.action.process.event': 'Event',
  'pw.action.fulfilment.requested': 'Sent to the warehouse',
  'pw.action.order.routed': 'Warehouse chosen',
  'pw.action.order.unroutable': 'No warehouse can ship',
  'pw.action.task.completed': 'Task done',
  'pw.action.task.cancelled': 'Task closed',
  'pw.action.shipment.requested': 'Shipment requested',
} satisfies Record<string, Message>;

export type ProcessWordsKey = keyof typeof en;

const pl: Record<ProcessWordsKey, Message> = {
  'pw.overrideTitle': 'Ręczne nadpisanie',
  'pw.overrideHint':
    'Te zdarzenia zgłasza system, przewoźnik, płatność lub zegar. Zgłoś je ręcznie tylko wtedy, gdy wiesz, że zaszły; powód zostanie zapisany w historii.',
  'pw.source.system': 'system',
  'pw.source.carrier': 'przewoźnik',
  'pw.source.payment': 'płatność',
  'pw.source.timer': 'zegar',
  'pw.source.integration': 'integracja',
  'pw.source.person': 'osoba',
  'pw.raisedBy': 'zgłasza: {source}',
  'pw.reason': 'Powód',
  'pw.reasonHint': 'Dlaczego? Zostanie zapisane w historii.',
  'pw.risks': 'Ryzyka',
  'pw.confirmTitle': '{event}: czy na pewno?',
  'pw.confirmQuestion': '{event} — zamówienie {number}? Tego nie da się cofnąć.',
  'pw.overrideQuestion': 'Zgłosić ręcznie „{event}” dla zamówienia {number} zamiast: {source}?',
  'pw.confirm': 'Tak: {event}',
  'pw.done': 'Gotowe: {event}. Zamówienie jest teraz: {state}.',
  'pw.destructive': 'wymaga potwierdzenia',
  'pw.system': 'system',
  'pw.process': 'proces',
  'pw.showDetails': 'Pokaż szczegóły',
  'pw.hideDetails': 'Ukryj szczegóły',
  'pw.engineSteps': {
    one: '{count} krok automatyczny',
    few: '{count} kroki automatyczne',
    many: '{count} kroków automatycznych',
    other: '{count} kroku automatycznego',
  },
  'pw.by': '{who}',
  'pw.why': 'Powód: {text}',
  'pw.override': 'Ręczne nadpisanie zdarzenia ({source})',
  'pw.moved': '{from} → {to}',
  'pw.entered': 'Teraz: {to}',
  'pw.event': '„{event}”',
  'pw.taskFor': 'dla: {role}',
  'pw.action.process.action': 'Krok wykonany',
  'pw.action.process.action_waiting': 'Oczekiwanie na wynik',
  'pw.action.process.event': 'Zdarzenie',
  'pw.action.fulfilment.requested': 'Wysłano do magazynu',
  'pw.action.order.routed': 'Wybrano magazyn',
  'pw.action.order.unroutable': 'Żaden magazyn nie wyśle',
  'pw.action.task.completed': 'Zadanie wykonane',
  'pw.action.task.cancelled': 'Zadanie zamknięte',
  'pw.action.shipment.requested': 'Zlecono wysyłkę',
};

const ru: Record<ProcessWordsKey, Message> = {
  'pw.overrideTitle': 'Ручное вмешательство',
  'pw.overrideHint':
    'Эти события присылает система, перевозчик, платёжная система или таймер. Отправляйте их вручную, только если точно знаете, что это произошло; причина сохранится в истории.',
  'pw.source.system': 'система',
  'pw.source.carrier': 'перевозчик',
  'pw.source.payment': 'платёжная система',
  'pw.source.timer': 'таймер',
  'pw.source.integration': 'интеграция',
  'pw.source.person': 'человек',
  'pw.raisedBy': 'присылает: {source}',
  'pw.reason': 'Причина',
  'pw.reasonHint': 'Почему? Это сохранится в истории.',
  'pw.risks': 'Риски',
  'pw.confirmTitle': '{event}: вы уверены?',
  'pw.confirmQuestion': '{event} — заказ {number}? Это нельзя отменить.',
  'pw.overrideQuestion': 'Отправить «{event}» по заказу {number} вручную вместо: {source}?',
  'pw.confirm': 'Да: {event}',
  'pw.done': 'Готово: {event}. Заказ сейчас: {state}.',
  'pw.destructive': 'требует подтверждения',
  'pw.system': 'система',
  'pw.process': 'процесс',
  'pw.showDetails': 'Показать подробности',
  'pw.hideDetails': 'Скрыть подробности',
  'pw.engineSteps': {
    one: '{count} автоматический шаг',
    few: '{count} автоматических шага',
    many: '{count} автоматических шагов',
    other: '{count} автоматического шага',
  },
  'pw.by': '{who}',
  'pw.why': 'Причина: {text}',
  'pw.override': 'Ручное вмешательство вместо события ({source})',
  'pw.moved': '{from} → {to}',
  'pw.entered': 'Сейчас: {to}',
  'pw.event': '«{event}»',
  'pw.taskFor': 'для: {role}',
  'pw.action.process.action': 'Шаг выполнен',
  'pw.action.process.action_waiting': 'Ожидание результата',
  'pw.action.process.event': 'Событие',
  'pw.action.fulfilment.requested': 'Передано на склад',
  'pw.action.order.routed': 'Склад выбран',
  'pw.action.order.unroutable': 'Ни один склад не отгрузит',
  'pw.action.task.completed': 'Задача выполнена',
  'pw.action.task.cancelled': 'Задача закрыта',
  'pw.action.shipment.requested': 'Запрошена отгрузка',
};

export const processWords: Catalogue<ProcessWordsKey> = { en, pl, ru };

export type Labels = Partial<Record<Lang, string>> | null | undefined;

/** A code made readable: `shortage_exception` → "Shortage exception". */
export const humanise = (code: string) => {
  const text = code.replaceAll(/[_.-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
};

/**
 * The words for a process element: the definition's label in the user's language, else the
 * console's catalogue entry (e.g. `state.cancelled`), else the humanised code.
 */
export function useProcessLabel() {
  const { lang, tMaybe } = useI18n();
  return useCallback(
    (labels: Labels, catalogueKey: string | null, code: string) =>
      labels?.[lang] || (catalogueKey ? tMaybe(catalogueKey, '') : '') || humanise(code),
    [lang, tMaybe],
  );
}

export const useProcessWords = () => useMessages(processWords);
