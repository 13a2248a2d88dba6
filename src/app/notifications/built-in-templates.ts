/**
 * The built-in customer notifications in English, Polish and Russian. A tenant overrides any of
 * them per language through the API (stored in notification_templates); the HTML part of a
 * built-in is derived from its text (escaped, links made clickable). Template names are the ones
 * the shipped processes use in `notify` (processes/*.yaml).
 */
export const LANGUAGES = ['en', 'pl', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface TemplateSource {
  subject: string;
  text: string;
  /** null: derived from the text part. */
  html: string | null;
}

const template = (subject: string, text: string): TemplateSource => ({ subject, text, html: null });

const SIGN = {
  en: '\n\nThank you,\n{{shopName}}',
  pl: '\n\nDziękujemy,\n{{shopName}}',
  ru: '\n\nСпасибо,\n{{shopName}}',
};
const SUMMARY = {
  en: 'Order {{orderNumber}} of {{orderDate}}:\n{{lines}}\n\nTotal: {{total}}',
  pl: 'Zamówienie {{orderNumber}} z dnia {{orderDate}}:\n{{lines}}\n\nRazem: {{total}}',
  ru: 'Заказ {{orderNumber}} от {{orderDate}}:\n{{lines}}\n\nИтого: {{total}}',
};
const TRACK = {
  en: '{{#trackingUrl}}\n\nFollow your order: {{trackingUrl}}{{/trackingUrl}}',
  pl: '{{#trackingUrl}}\n\nŚledź swoje zamówienie: {{trackingUrl}}{{/trackingUrl}}',
  ru: '{{#trackingUrl}}\n\nОтследить заказ: {{trackingUrl}}{{/trackingUrl}}',
};
const HELLO = {
  en: 'Hello {{customerName}},',
  pl: 'Dzień dobry, {{customerName}}!',
  ru: 'Здравствуйте, {{customerName}}!',
};

export const BUILT_IN_TEMPLATES: Record<string, Record<Language, TemplateSource>> = {
  order_confirmed: {
    en: template(
      'Order {{orderNumber}} confirmed',
      `${HELLO.en}\n\nwe have received your order and are preparing it.\n\n${SUMMARY.en}${TRACK.en}${SIGN.en}`,
    ),
    pl: template(
      'Potwierdzenie zamówienia {{orderNumber}}',
      `${HELLO.pl}\n\nOtrzymaliśmy Twoje zamówienie i przygotowujemy je do wysyłki.\n\n${SUMMARY.pl}${TRACK.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Заказ {{orderNumber}} подтверждён',
      `${HELLO.ru}\n\nМы получили ваш заказ и готовим его к отправке.\n\n${SUMMARY.ru}${TRACK.ru}${SIGN.ru}`,
    ),
  },
  order_shipped: {
    en: template(
      'Order {{orderNumber}} is on its way',
      `${HELLO.en}\n\nyour order has been shipped{{#carrier}} with {{carrier}}{{/carrier}}.{{#trackingNumber}}\nTracking number: {{trackingNumber}}{{/trackingNumber}}\n\n${SUMMARY.en}${TRACK.en}${SIGN.en}`,
    ),
    pl: template(
      'Zamówienie {{orderNumber}} zostało wysłane',
      `${HELLO.pl}\n\nTwoje zamówienie zostało wysłane{{#carrier}} przez {{carrier}}{{/carrier}}.{{#trackingNumber}}\nNumer przesyłki: {{trackingNumber}}{{/trackingNumber}}\n\n${SUMMARY.pl}${TRACK.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Заказ {{orderNumber}} отправлен',
      `${HELLO.ru}\n\nВаш заказ отправлен{{#carrier}} службой {{carrier}}{{/carrier}}.{{#trackingNumber}}\nТрек-номер: {{trackingNumber}}{{/trackingNumber}}\n\n${SUMMARY.ru}${TRACK.ru}${SIGN.ru}`,
    ),
  },
  ready_for_pickup: {
    en: template(
      'Order {{orderNumber}} is ready for pickup',
      `${HELLO.en}\n\nyour order is waiting for you{{#pickupLocation}} at {{pickupLocation}}{{/pickupLocation}}. Please bring the order number with you.\n\n${SUMMARY.en}${TRACK.en}${SIGN.en}`,
    ),
    pl: template(
      'Zamówienie {{orderNumber}} czeka na odbiór',
      `${HELLO.pl}\n\nTwoje zamówienie czeka na odbiór{{#pickupLocation}} w punkcie: {{pickupLocation}}{{/pickupLocation}}. Prosimy podać numer zamówienia.\n\n${SUMMARY.pl}${TRACK.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Заказ {{orderNumber}} готов к выдаче',
      `${HELLO.ru}\n\nВаш заказ ждёт вас{{#pickupLocation}} в пункте выдачи: {{pickupLocation}}{{/pickupLocation}}. Пожалуйста, назовите номер заказа.\n\n${SUMMARY.ru}${TRACK.ru}${SIGN.ru}`,
    ),
  },
  order_delivered: {
    en: template(
      'Order {{orderNumber}} delivered',
      `${HELLO.en}\n\nyour order has been delivered. We hope you enjoy it.\n\n${SUMMARY.en}${SIGN.en}`,
    ),
    pl: template(
      'Zamówienie {{orderNumber}} zostało doręczone',
      `${HELLO.pl}\n\nTwoje zamówienie zostało doręczone. Mamy nadzieję, że będziesz zadowolony.\n\n${SUMMARY.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Заказ {{orderNumber}} доставлен',
      `${HELLO.ru}\n\nВаш заказ доставлен. Надеемся, что покупка вам понравится.\n\n${SUMMARY.ru}${SIGN.ru}`,
    ),
  },
  order_cancelled: {
    en: template(
      'Order {{orderNumber}} cancelled',
      `${HELLO.en}\n\nyour order {{orderNumber}} has been cancelled. If you have paid, the money will be returned to you.\n\n${SUMMARY.en}${SIGN.en}`,
    ),
    pl: template(
      'Zamówienie {{orderNumber}} zostało anulowane',
      `${HELLO.pl}\n\nTwoje zamówienie {{orderNumber}} zostało anulowane. Jeśli płatność została już pobrana, zwrócimy pieniądze.\n\n${SUMMARY.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Заказ {{orderNumber}} отменён',
      `${HELLO.ru}\n\nВаш заказ {{orderNumber}} отменён. Если вы уже оплатили его, деньги будут возвращены.\n\n${SUMMARY.ru}${SIGN.ru}`,
    ),
  },
  order_rejected: {
    en: template(
      'We could not accept order {{orderNumber}}',
      `${HELLO.en}\n\nunfortunately we could not accept your order {{orderNumber}}. No payment will be taken; please contact us if you have any questions.\n\n${SUMMARY.en}${SIGN.en}`,
    ),
    pl: template(
      'Nie mogliśmy przyjąć zamówienia {{orderNumber}}',
      `${HELLO.pl}\n\nNiestety nie mogliśmy przyjąć Twojego zamówienia {{orderNumber}}. Nie pobierzemy żadnej płatności; w razie pytań prosimy o kontakt.\n\n${SUMMARY.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Мы не смогли принять заказ {{orderNumber}}',
      `${HELLO.ru}\n\nК сожалению, мы не смогли принять ваш заказ {{orderNumber}}. Оплата не будет списана; если у вас есть вопросы, свяжитесь с нами.\n\n${SUMMARY.ru}${SIGN.ru}`,
    ),
  },
  delivery_failed: {
    en: template(
      'Delivery of order {{orderNumber}} failed',
      `${HELLO.en}\n\nthe courier could not deliver your order{{#trackingNumber}} (tracking number {{trackingNumber}}){{/trackingNumber}}. We will contact you to arrange another attempt.${TRACK.en}${SIGN.en}`,
    ),
    pl: template(
      'Nieudana próba doręczenia zamówienia {{orderNumber}}',
      `${HELLO.pl}\n\nKurier nie mógł doręczyć Twojego zamówienia{{#trackingNumber}} (numer przesyłki {{trackingNumber}}){{/trackingNumber}}. Skontaktujemy się z Tobą, aby ustalić kolejną próbę.${TRACK.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Не удалось доставить заказ {{orderNumber}}',
      `${HELLO.ru}\n\nКурьер не смог доставить ваш заказ{{#trackingNumber}} (трек-номер {{trackingNumber}}){{/trackingNumber}}. Мы свяжемся с вами, чтобы договориться о новой попытке.${TRACK.ru}${SIGN.ru}`,
    ),
  },
  promised_from_production: {
    en: template(
      'Order {{orderNumber}}: made to order',
      `${HELLO.en}\n\nsome items of your order are being made for you. We will let you know as soon as they are ready to ship.\n\n${SUMMARY.en}${TRACK.en}${SIGN.en}`,
    ),
    pl: template(
      'Zamówienie {{orderNumber}}: realizacja na zamówienie',
      `${HELLO.pl}\n\nCzęść towarów z Twojego zamówienia jest produkowana specjalnie dla Ciebie. Poinformujemy Cię, gdy będą gotowe do wysyłki.\n\n${SUMMARY.pl}${TRACK.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Заказ {{orderNumber}}: изготовление под заказ',
      `${HELLO.ru}\n\nЧасть товаров из вашего заказа изготавливается специально для вас. Мы сообщим, когда они будут готовы к отправке.\n\n${SUMMARY.ru}${TRACK.ru}${SIGN.ru}`,
    ),
  },
  quote_sent: {
    en: template(
      'Your quote {{orderNumber}}',
      `${HELLO.en}\n\nplease find our quote {{orderNumber}} below. Let us know whether you accept it.\n\n${SUMMARY.en}${SIGN.en}`,
    ),
    pl: template(
      'Oferta {{orderNumber}}',
      `${HELLO.pl}\n\nPrzesyłamy ofertę {{orderNumber}}. Prosimy o informację, czy ją akceptujesz.\n\n${SUMMARY.pl}${SIGN.pl}`,
    ),
    ru: template(
      'Коммерческое предложение {{orderNumber}}',
      `${HELLO.ru}\n\nНаправляем коммерческое предложение {{orderNumber}}. Сообщите, пожалуйста, принимаете ли вы его.\n\n${SUMMARY.ru}${SIGN.ru}`,
    ),
  },
  invoice_issued: {
    en: template(
      'Invoice {{invoiceNumber}} for order {{orderNumber}}',
      `${HELLO.en}\n\nplease find attached invoice {{invoiceNumber}} for your order {{orderNumber}} ({{invoiceTotal}}).${SIGN.en}`,
    ),
    pl: template(
      'Faktura {{invoiceNumber}} do zamówienia {{orderNumber}}',
      `${HELLO.pl}\n\nw załączniku przesyłamy fakturę {{invoiceNumber}} do zamówienia {{orderNumber}} ({{invoiceTotal}}).${SIGN.pl}`,
    ),
    ru: template(
      'Счёт-фактура {{invoiceNumber}} по заказу {{orderNumber}}',
      `${HELLO.ru}\n\nво вложении счёт-фактура {{invoiceNumber}} по заказу {{orderNumber}} ({{invoiceTotal}}).${SIGN.ru}`,
    ),
  },
  credit_note_issued: {
    en: template(
      'Credit note {{invoiceNumber}} for order {{orderNumber}}',
      `${HELLO.en}\n\nplease find attached credit note {{invoiceNumber}} for your order {{orderNumber}} ({{invoiceTotal}}).${SIGN.en}`,
    ),
    pl: template(
      'Faktura korygująca {{invoiceNumber}} do zamówienia {{orderNumber}}',
      `${HELLO.pl}\n\nw załączniku przesyłamy fakturę korygującą {{invoiceNumber}} do zamówienia {{orderNumber}} ({{invoiceTotal}}).${SIGN.pl}`,
    ),
    ru: template(
      'Корректировочный счёт-фактура {{invoiceNumber}} по заказу {{orderNumber}}',
      `${HELLO.ru}\n\nво вложении корректировочный счёт-фактура {{invoiceNumber}} по заказу {{orderNumber}} ({{invoiceTotal}}).${SIGN.ru}`,
    ),
  },
  ship_deadline_near: {
    en: template(
      'Ship-by deadline near: order {{orderNumber}}',
      'Order {{orderNumber}} ({{externalId}}) must be handed to the carrier soon, or the marketplace cancels it and lowers the rating.\n\n{{lines}}',
    ),
    pl: template(
      'Zbliża się termin wysyłki: zamówienie {{orderNumber}}',
      'Zamówienie {{orderNumber}} ({{externalId}}) trzeba wkrótce przekazać przewoźnikowi, inaczej marketplace je anuluje i obniży ocenę sprzedawcy.\n\n{{lines}}',
    ),
    ru: template(
      'Срок отгрузки истекает: заказ {{orderNumber}}',
      'Заказ {{orderNumber}} ({{externalId}}) нужно срочно передать перевозчику, иначе маркетплейс отменит его и снизит рейтинг продавца.\n\n{{lines}}',
    ),
  },
};

export const isLanguage = (v: unknown): v is Language =>
  typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
