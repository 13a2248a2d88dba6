import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkTemplate,
  htmlFromText,
  renderHtml,
  renderText,
  TEMPLATE_VARIABLES,
  type TemplateVars,
} from '../../src/app/notifications/render.js';
import { chooseLanguage } from '../../src/app/notifications/language.js';
import { formatAmount } from '../../src/app/notifications/order-variables.js';
import { BUILT_IN_TEMPLATES, LANGUAGES } from '../../src/app/notifications/built-in-templates.js';
import { smtpConfigFrom } from '../../src/integrations/email/smtp-config.js';
import { loadConfig } from '../../src/config.js';

const smtpFrom = (env: Record<string, string>) => smtpConfigFrom(loadConfig(env).smtp);

const vars = (over: Partial<TemplateVars> = {}): TemplateVars =>
  ({ ...Object.fromEntries(TEMPLATE_VARIABLES.map((v) => [v, ''])), ...over }) as TemplateVars;

describe('notification templates, languages and money (pure)', () => {
  test('given variables and sections, text renders them and HTML escapes every value', () => {
    const v = vars({ customerName: 'Jan <b>"Kowalski"</b> & Syn', orderNumber: 'ORD-7', lines: 'a\nb' });
    assert.equal(
      renderText('{{customerName}} {{#trackingUrl}}x{{/trackingUrl}}{{^trackingUrl}}brak{{/trackingUrl}}', v),
      'Jan <b>"Kowalski"</b> & Syn brak',
    );
    assert.equal(
      renderHtml('<p>{{ customerName }}</p>{{lines}}', v),
      '<p>Jan &lt;b&gt;&quot;Kowalski&quot;&lt;/b&gt; &amp; Syn</p>a<br>\nb',
    );
    assert.equal(renderText('{{#orderNumber}}Zamówienie {{orderNumber}}{{/orderNumber}}', v), 'Zamówienie ORD-7');
  });

  test('given unknown variables, unclosed sections or stray braces, the template is refused with the reason', () => {
    assert.match(checkTemplate('{{total}} {{secret}}')!, /unknown variable \{\{secret\}\}/);
    assert.match(checkTemplate('{{#total}} x')!, /never closed/);
    assert.match(checkTemplate('{{/total}}')!, /closes nothing/);
    assert.match(checkTemplate('{{constructor.name}}')!, /not a valid tag/);
    assert.match(checkTemplate('a }} b')!, /not a valid tag/);
    assert.equal(checkTemplate('Заказ {{orderNumber}} — żółć'), null);
  });

  test('every built-in template exists in English, Polish and Russian and is valid', () => {
    for (const [name, langs] of Object.entries(BUILT_IN_TEMPLATES)) {
      for (const l of LANGUAGES) {
        assert.ok(langs[l], `${name} ${l}`);
        assert.equal(checkTemplate(langs[l].subject), null, `${name} ${l} subject`);
        assert.equal(checkTemplate(langs[l].text), null, `${name} ${l} text`);
      }
    }
    for (const n of [
      'order_confirmed',
      'order_shipped',
      'ready_for_pickup',
      'order_delivered',
      'order_cancelled',
      'order_rejected',
      'delivery_failed',
      'promised_from_production',
      'quote_sent',
      'ship_deadline_near',
    ])
      assert.ok(BUILT_IN_TEMPLATES[n], n);
  });

  test("given minor units, money is formatted in the language exactly, with the currency's decimals", () => {
    assert.equal(
      formatAmount(123456789012345678n, 'PLN', 'pl'),
      '1\u00a0234\u00a0567\u00a0890\u00a0123\u00a0456,78\u00a0zł',
    );
    assert.equal(formatAmount(25749n, 'RUB', 'ru'), '257,49\u00a0₽');
    assert.equal(formatAmount(5n, 'PLN', 'en'), 'PLN\u00a00.05');
    assert.equal(formatAmount(1234n, 'JPY', 'en'), '¥1,234');
    assert.equal(formatAmount(-1005n, 'KWD', 'en'), '-KWD\u00a01.005');
    // the formats are kept per language and currency: the same again, in another order, says the same
    assert.equal(formatAmount(5n, 'PLN', 'pl'), '0,05\u00a0zł');
    assert.equal(formatAmount(5n, 'PLN', 'en'), 'PLN\u00a00.05');
    assert.equal(formatAmount(25749n, 'PLN', 'ru'), '257,49\u00a0PLN');
  });

  test("the language is the customer's, else the shipping country's, else the channel's, else English", () => {
    assert.equal(chooseLanguage({ orderAttributes: { language: 'ru-RU' }, customerLocale: 'pl' }), 'ru');
    assert.equal(chooseLanguage({ customerAttributes: { language: 'PL' }, shippingCountry: 'RU' }), 'pl');
    assert.equal(chooseLanguage({ customerLocale: 'de', shippingCountry: 'KZ' }), 'ru');
    assert.equal(chooseLanguage({ shippingCountry: 'BY' }), 'ru');
    assert.equal(chooseLanguage({ shippingCountry: 'DE', channelSettings: { country: 'PL' } }), 'pl');
    assert.equal(chooseLanguage({ shippingCountry: 'DE', channelSettings: { language: 'ru' } }), 'ru');
    assert.equal(chooseLanguage({ shippingCountry: 'DE' }), 'en');
  });

  test('HTML derived from text is escaped, keeps paragraphs and links http(s) URLs', () => {
    const h = htmlFromText('Cześć <Jan>!\n\nŚledź: https://ordo.example/t/abc?x=1&y=2', 'pl');
    assert.ok(h.includes('<p>Cześć &lt;Jan&gt;!</p>'));
    assert.ok(
      h.includes('<a href="https://ordo.example/t/abc?x=1&amp;y=2">https://ordo.example/t/abc?x=1&amp;y=2</a>'),
    );
    assert.ok(h.includes('<meta charset="utf-8">'));
  });

  test('SMTP settings come from the environment; without a host nothing is sent', () => {
    assert.equal(smtpFrom({}), null);
    assert.deepEqual(
      smtpFrom({
        ORDO_SMTP_HOST: 'smtp.example.pl',
        ORDO_SMTP_PORT: '465',
        ORDO_SMTP_USER: 'u',
        ORDO_SMTP_PASS: 'p',
        ORDO_SMTP_FROM: 'Sklep <s@example.pl>',
      }),
      {
        host: 'smtp.example.pl',
        port: 465,
        secure: true,
        user: 'u',
        pass: 'p',
        from: 'Sklep <s@example.pl>',
        timeoutMs: 10_000,
        allowUnverifiedTls: false,
      },
    );
    assert.equal(smtpFrom({ ORDO_SMTP_HOST: 'h' })!.secure, false);
  });
});
