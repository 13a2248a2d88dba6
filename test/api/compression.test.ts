import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { buildApp } from '../../src/api/app.js';
import { orderBody } from '../support.js';
import {
  fulfilmentApp,
  fulfilmentsOf,
  ok,
  paidOrder,
  pickAndPack,
  seedShop,
  type FulfilmentTestApp,
} from '../fulfilment/helpers.js';

const REPO = resolve(import.meta.dirname, '../..');
const DIST = join(REPO, 'web', 'dist');

const decode: Record<string, (b: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync };

/**
 * Compression: the console's files go out as the .br/.gz the build wrote beside them, API JSON
 * is compressed per response, and labels (PDF, ZPL) are sent as they are. Every compressed
 * body must decompress to exactly the bytes an uncompressing client gets.
 */
describe('response compression', () => {
  let t: FulfilmentTestApp;
  let site: Awaited<ReturnType<typeof buildApp>>;
  let entry: string;

  before(async () => {
    // Builds web/dist only when a console source is newer than the last build (as in CI: a no-op).
    const build = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-web.mjs'), '--quiet'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, `web build failed: ${build.stderr}`);
    entry = readFileSync(join(DIST, 'index.html'), 'utf8').match(/src="(\/assets\/[^"]+\.js)"/)?.[1] ?? '';
    assert.ok(entry, 'index.html names its entry script');

    t = await fulfilmentApp();
    await seedShop(t);
    site = await buildApp(
      {
        db: t.database.db,
        dbKind: t.database.kind,
        clock: t.clock,
        ready: async () => true,
        processes: t.services.processes,
      },
      { console: { distDir: DIST } },
    );
  });
  after(async () => {
    await site?.close();
    await t?.close();
  });

  test('given Accept-Encoding br or gzip, the console JS comes precompressed and decodes to the file, cached as immutable', async () => {
    const file = readFileSync(join(DIST, entry));
    assert.ok(
      existsSync(join(DIST, `${entry}.br`)) && existsSync(join(DIST, `${entry}.gz`)),
      'the build wrote .br and .gz beside the entry script',
    );
    const plain = await site.inject({ url: entry });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.rawPayload.equals(file));

    for (const encoding of ['br', 'gzip']) {
      const r = await site.inject({ url: entry, headers: { 'accept-encoding': encoding } });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['content-encoding'], encoding);
      assert.match(String(r.headers['content-type']), /javascript/);
      assert.match(String(r.headers.vary), /accept-encoding/i);
      assert.match(String(r.headers['cache-control']), /max-age=31536000.*immutable/);
      assert.ok(r.rawPayload.length < file.length / 2, `${encoding}: ${r.rawPayload.length} of ${file.length} bytes`);
      assert.ok(decode[encoding]!(r.rawPayload).equals(file), `${encoding} decodes to the file`);
    }
    // A browser offering both gets brotli, the smaller one.
    const both = await site.inject({ url: entry, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(both.headers['content-encoding'], 'br');
  });

  test('given the app shell, index.html is revalidated on every load and the SPA routes still answer it', async () => {
    const shell = readFileSync(join(DIST, 'index.html'));
    for (const url of ['/', '/orders/0192f1c4-0000-7000-8000-000000000000']) {
      const r = await site.inject({ url, headers: { 'accept-encoding': 'br, gzip' } });
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['cache-control'], 'no-cache');
      const enc = r.headers['content-encoding'] as string | undefined;
      assert.ok(enc === undefined ? r.rawPayload.equals(shell) : decode[enc]!(r.rawPayload).equals(shell));
    }
  });

  // Before the batch below, which takes the shop's stock.
  test('given a shipment with the manual carrier, its PDF and ZPL labels are sent whole and uncompressed to a client accepting br and gzip', async () => {
    // The manual carrier renders a full label (fonts, barcodes), well above the compression threshold.
    const o = await paidOrder(t, { delivery: { method: 'ship', carrier: 'manual' } });
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    const auth = { authorization: `Bearer ${t.apiKey}` };
    for (const format of ['pdf', 'zpl']) {
      const url = `/api/v1/shipments/${sh.id}/label?format=${format}`;
      const r = await t.app.inject({ url, headers: { ...auth, 'accept-encoding': 'br, gzip' } });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.headers['content-encoding'], undefined, `${format} label is not compressed`);
      assert.equal(r.headers['content-type'], format === 'pdf' ? 'application/pdf' : 'application/zpl');
      if (format === 'pdf') {
        // Each render has its own document id, so the check is the PDF's frame, not a second copy.
        assert.equal(r.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
        assert.match(r.rawPayload.subarray(-16).toString('latin1'), /%%EOF\s*$/);
        assert.ok(r.rawPayload.length > 4096, `a real label: ${r.rawPayload.length} bytes`);
      } else {
        assert.match(r.body, /^\^XA[\s\S]*\^XZ\s*$/);
      }
    }
  });

  test('given Accept-Encoding br or gzip, large API JSON comes compressed and decodes to the same bytes', async () => {
    const batch = await t.call('POST', '/api/v1/orders:batch', {
      orders: Array.from({ length: 40 }, (_, i) => orderBody({ externalId: `Z-${i}` })),
    });
    assert.equal(batch.status, 200, JSON.stringify(batch.body).slice(0, 500));
    assert.equal(batch.body.accepted, 40);
    const auth = { authorization: `Bearer ${t.apiKey}` };
    for (const url of ['/api/v1/orders?limit=100', '/api/v1/openapi.json']) {
      const plain = await t.app.inject({ url, headers: auth });
      assert.equal(plain.statusCode, 200);
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(plain.rawPayload.length > 10_000, `${url} is large: ${plain.rawPayload.length} bytes`);
      for (const encoding of ['br', 'gzip']) {
        const r = await t.app.inject({ url, headers: { ...auth, 'accept-encoding': encoding } });
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['content-encoding'], encoding, url);
        assert.match(String(r.headers['content-type']), /application\/json/);
        assert.match(String(r.headers.vary), /accept-encoding/i);
        assert.ok(
          r.rawPayload.length < plain.rawPayload.length / 3,
          `${url} ${encoding}: ${r.rawPayload.length} of ${plain.rawPayload.length} bytes`,
        );
        assert.ok(
          decode[encoding]!(r.rawPayload).equals(plain.rawPayload),
          `${url} ${encoding} decodes to the same bytes`,
        );
      }
    }
    // Small answers are not worth compressing.
    const health = await t.app.inject({ url: '/healthz', headers: { 'accept-encoding': 'br' } });
    assert.equal(health.statusCode, 200);
    assert.equal(health.headers['content-encoding'], undefined);
  });
});
