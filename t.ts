import pg from 'pg';
const counts = new Map<string, number>();
const orig = pg.Client.prototype.query;
let n = 0;
(pg.Client.prototype as any).query = function (this: unknown, ...args: any[]) {
  const text = typeof args[0] === 'string' ? args[0] : args[0]?.text ?? '';
  n++; const k = text.replace(/\s+/g, ' ').slice(0, 90); counts.set(k, (counts.get(k) ?? 0) + 1);
  return (orig as any).apply(this, args);
};
const { testApp, seedBasics, orderBody } = await import('./test/support.js');
const t = await testApp();
await seedBasics(t);
await t.call('POST', '/api/v1/orders', orderBody());
n = 0; counts.clear();
const t0 = performance.now();
for (let i = 0; i < 20; i++) { const r = await t.call('POST', '/api/v1/orders', orderBody()); if (r.status !== 201) console.log(r.body); }
console.log('queries per order', n / 20, 'ms per order', ((performance.now() - t0) / 20).toFixed(1));
console.log([...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v / 20}\t${k}`).join('\n'));
await t.close();
