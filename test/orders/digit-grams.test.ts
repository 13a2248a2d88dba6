import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { testApp, type TestApp } from '../support.js';
import { digitGrams } from '../../src/app/orders/list-orders.js';

/**
 * Migration 0039's `ordo_digit_grams` and the search's `digitGrams` (src/app/orders/list-orders.ts):
 * a value holding a run of digits holds every 5-digit window of it, so the index lookup narrows a
 * search and never loses a match; the plain `like` after it makes the answer exact.
 */
describe('digit windows: a run of five or more digits is looked up by its 5-digit windows', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  const gramsOf = async (value: string) =>
    (await sql<{ g: string[] }>`select ordo_digit_grams(${value}) as g`.execute(t.store.conn)).rows[0]!.g;

  test('the needle side written in TypeScript is the value side written in SQL', async () => {
    for (const run of ['00000', '0001040', '000000000', '5901234123457', '620123456789012345678901'])
      assert.deepEqual([...(await gramsOf(run))].sort(), digitGrams(run).sort(), run);
    assert.deepEqual(digitGrams('0001040'), ['00010', '00104', '01040']);
    assert.deepEqual(digitGrams('000000000'), ['00000'], 'each window once');
    assert.deepEqual(
      [...(await gramsOf('G000104012 / +48 600-100-204, 12345 ab Я'))].sort(),
      [...digitGrams('000104012'), '12345'].sort(),
      'each run of five or more digits, shorter runs left out',
    );
    assert.deepEqual(await gramsOf('bez cyfr, без цифр'), []);
  });

  test('given any text and any run of five to nine digits, the lookup keeps every value holding the run, and with the like finds exactly those', async () => {
    // Few symbols, so runs repeat, overlap and sit next to letters, separators and Cyrillic.
    const text = fc.string({ unit: fc.constantFrom('0', '0', '0', '1', '4', '9', 'g', 'я', '-', ' '), maxLength: 40 });
    const run = fc.string({ unit: fc.constantFrom('0', '0', '1', '4', '9'), minLength: 5, maxLength: 9 });
    let hits = 0;
    let misses = 0;
    let narrowed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ value: text, needle: run }),
            // a value that surely holds the run, somewhere among other characters
            fc.tuple(text, run, text).map(([head, needle, tail]) => ({ value: `${head}${needle}${tail}`, needle })),
          ),
          { minLength: 1, maxLength: 25 },
        ),
        async (pairs) => {
          const { rows } = await sql<{ kept: boolean; found: boolean }>`
            select ordo_digit_grams(x.v) @> x.g::text[] as kept,
              ordo_digit_grams(x.v) @> x.g::text[] and x.v like '%' || x.n || '%' as found
            from unnest(${pairs.map((p) => p.value)}::text[], ${pairs.map((p) => p.needle)}::text[],
              ${pairs.map((p) => `{${digitGrams(p.needle).join(',')}}`)}::text[]) with ordinality as x(v, n, g, at)
            order by x.at`.execute(t.store.conn);
          pairs.forEach((pair, at) => {
            const holds = pair.value.includes(pair.needle);
            if (holds) hits++;
            else misses++;
            if (!rows[at]!.kept) narrowed++;
            if (holds) assert.equal(rows[at]!.kept, true, `lost: ${JSON.stringify(pair)}`);
            assert.equal(rows[at]!.found, holds, JSON.stringify(pair));
          });
        },
      ),
      { numRuns: 60 },
    );
    assert.ok(hits > 100 && misses > 100, `both outcomes were tried: ${hits} hits, ${misses} misses`);
    assert.ok(narrowed > 50, `the windows left values out: ${narrowed}`);
  });
});
