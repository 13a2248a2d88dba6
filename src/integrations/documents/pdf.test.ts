import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPackingSlip } from './packing-slip.js';
import { renderShippingLabel } from './shipping-label.js';
import { labelData, packingSlipData, readPdf, russianRecipient } from './test-fixtures.js';

// The parsed fonts are shared by every document in the process; these guard that sharing.
describe('shared fonts', () => {
  it('Given a document whose "Ы" embeds "ь" as a component, when a later document prints "ь", then it still reads back as "ь"', async () => {
    await renderShippingLabel(labelData({ locale: 'ru', recipient: { ...russianRecipient, company: 'ЖЁЩЫЭЮЯ ыы' } }));
    const { text } = await readPdf(
      await renderPackingSlip(packingSlipData(1, { locale: 'ru', note: 'Позвонить; мягкий знак ь, Ь; Łódź' })),
    );
    assert.ok(text.includes('Позвонить; мягкий знак ь, Ь; Łódź'), text);
  });

  it('Given labels rendered concurrently, when parsed back, then each carries its own recipient and order', async () => {
    const names = [
      'Zażółć Gęślą-Jaźń',
      'Щукин Юрий Эдуардович',
      'Łucja Żebrowska',
      'Эльвира Юдина',
      'Ёлкин Щ. Ы.',
      'Źdźisław Ćwik',
    ];
    const pdfs = await Promise.all(
      names.map((name, i) =>
        renderShippingLabel(labelData({ recipient: { ...labelData().recipient, name }, orderNumber: `ZAM/${i}` })),
      ),
    );
    for (const [i, pdf] of pdfs.entries()) {
      const { text } = await readPdf(pdf);
      assert.ok(text.includes(names[i]!) && text.includes(`ZAM/${i}`), `label ${i}: ${text}`);
      for (const other of names.filter((_, j) => j !== i)) assert.ok(!text.includes(other));
    }
  });
});
