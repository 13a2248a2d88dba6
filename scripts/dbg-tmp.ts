import { testApp, setUpSeller } from '../test/support.js';
const t = await testApp();
t.app.log.level = 'error';
const r = await t.call('PUT', '/api/v1/sellers/main', { name: 'X', taxId: '5260250274', address: { line1: 'a', city: 'b', postalCode: '1', country: 'PL' }, country: 'PL', isDefault: true });
console.log(r.status, JSON.stringify(r.body));
await t.close();
process.exit(0);
