import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, type TestApp } from '../support.js';
import { browserSkip, type ConsoleRig, NAV_TIMING, type NavTiming, startConsole } from './browser.js';

const DESK = `key: desk
title: Biuro zamówień B2B
start: received
states:
  received:
    always:
      - { to: awaiting_approval, when: "order.total > 10000" }
      - { to: stock_exception }
  awaiting_approval:
    task: { kind: approval, role: admin, title: "Duże zamówienie: zatwierdź", due: PT4H }
    on: { approve: completed, reject: rejected }
  stock_exception:
    exception: { kind: stock_shortage, resolutions: [backorder, cancel] }
    on: { backorder: completed, cancel: cancelled }
  completed: { terminal: true }
  rejected: { terminal: true, outcome: rejected }
  cancelled: { terminal: true, outcome: cancelled }
`;
type Box = { text: string | null; left: number; right: number; top: number; bottom: number };
const SMALL = { lines: [{ sku: 'SKU-3', quantity: 1, unitPrice: '3.50' }] };
const LIMITS = `key: limits
title: Limity zatwierdzeń
start: received
# Kto zatwierdza — a comment the table editor must keep.
decisions:
  route:
    description: Kto zatwierdza zamówienie
    hitPolicy: first
    rules:
      - { when: "order.total > 100000", output: zarząd }
      - { when: "order.total > 10000", output: kierownik }
    default: nikt
states:
  received:
    always:
      - { to: approval, when: 'decisions.route != "nikt"' }
      - { to: done }
  approval:
    task: { kind: approval, role: admin, title: Zatwierdź }
    on: { approve: done, reject: rejected }
  done: { terminal: true }
  rejected: { terminal: true, outcome: rejected }
`;

/**
 * The process designer end to end: a published process is edited as a draft in the graph and
 * in the text, a validation error shows at its state and its line, is fixed, the draft is
 * simulated on recent orders, published, and a new order follows the new version.
 */
describe('process designer in a browser', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let call: TestApp['call'];

  before(async () => {
    rig = await startConsole();
    call = rig.call;
    await seedBasics({ call } as TestApp);
    const draft = await call('POST', '/api/v1/processes', { source: DESK });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    assert.equal((await call('POST', '/api/v1/processes/desk/versions/1/publish')).status, 200);
    assert.equal(
      (
        await call('POST', '/api/v1/channels', {
          code: 'b2b',
          name: 'Portal B2B',
          kind: 'b2b_portal',
          currency: 'PLN',
          processKey: 'desk',
        })
      ).status,
      201,
    );
    // Two large orders wait for approval and three small ones in the stock exception: the heat map's counts.
    for (let i = 0; i < 5; i++) {
      const r = await call(
        'POST',
        '/api/v1/orders',
        orderBody({
          channel: 'b2b',
          externalId: `B2B-${i}`,
          customer: { name: i % 2 ? 'Hurtownia „Żuraw”' : 'ООО «Ёлка»' },
          ...(i < 2 ? {} : SMALL),
        }),
      );
      assert.equal(r.body.state, i < 2 ? 'awaiting_approval' : 'stock_exception', JSON.stringify(r.body).slice(0, 200));
    }
    // Two web orders the desk process never gets: the simulation must leave them out.
    for (let i = 0; i < 2; i++)
      assert.equal((await call('POST', '/api/v1/orders', orderBody({ externalId: `WEB-${i}` }))).status, 201);
    await rig.login(rig.page, rig.email);
  });
  after(async () => {
    await rig?.close();
  });

  const node = (name: string) => rig.page.locator(`.react-flow__node[data-id="${name}"]`);

  test('given a published process, the designer draws it with the live heat map', async () => {
    const { page } = rig;
    await page.goto(`${rig.base}/processes`);
    await page.getByRole('link', { name: 'Biuro zamówień B2B', exact: true }).click();
    await page.getByRole('heading', { name: 'Biuro zamówień B2B' }).waitFor();
    await node('received').waitFor();
    assert.equal(await page.locator('.react-flow__node').count(), 6);
    await page
      .getByTestId('heat-stock_exception')
      .getByText(/^3 orders · median/)
      .waitFor();
    assert.match(
      (await page.getByTestId('heat-awaiting_approval').textContent()) ?? '',
      /^2 orders · median \d+ seconds?/,
    );
    assert.match((await page.getByTestId('heat-legend').textContent()) ?? '', /Now in the process: 5 orders/);
    // A published version is read-only until the user starts a draft from it.
    assert.equal(await page.getByRole('textbox', { name: 'Definition (text)' }).getAttribute('readonly'), '');
    const timing = (await page.evaluate(NAV_TIMING)) as NavTiming;
    console.log(
      `# figure: processes page DOMContentLoaded ${timing.dcl} ms; designer with graph and heat map drawn ${timing.now} ms after navigation start`,
    );
    await rig.shot('designer-heatmap-en');
  });

  test('given a draft, a state added in the graph shows its validation error at the node and the line; a text edit re-draws the graph; a graph edit rewrites the text', async () => {
    const { page } = rig;
    await page.getByRole('button', { name: 'Edit as a new draft' }).click();
    const text = page.getByRole('textbox', { name: 'Definition (text)' });
    assert.equal(await text.getAttribute('readonly'), null);

    // Keyboard only: type the name and press Enter.
    await page.getByLabel('New state').fill('ręczna_weryfikacja');
    await page.getByLabel('New state').press('Enter');
    await page
      .getByRole('alert')
      .getByText(/lower-case letters/)
      .waitFor();
    await page.getByLabel('New state').fill('manual_review');
    await page.getByLabel('New state').press('Enter');
    await node('manual_review').waitFor();
    // The server's validation marks the new state: red at the node, with the message, and its line in the text.
    await page
      .getByTestId('problem-manual_review')
      .getByText(/has no way out and is not terminal \(\+1\)/)
      .waitFor();
    assert.match((await node('manual_review').getAttribute('class')) ?? '', /pnode-error/);
    const line = (await text.inputValue()).split('\n').findIndex((l) => l.includes('manual_review:')) + 1;
    await page.locator(`.code-gutter .err[data-line="${line}"]`).waitFor();
    await page
      .getByTestId('problems')
      .getByText(/manual_review — state "manual_review" cannot be reached/)
      .waitFor();
    await rig.shot('designer-error-en');

    // A transition from the form (the keyboard's way to connect two states).
    await page.getByLabel('From state').selectOption('manual_review');
    await page.getByLabel('Event').fill('approve');
    await page.getByLabel('To state').selectOption('completed');
    await page.getByRole('button', { name: 'Add transition' }).click();
    await page.locator('.react-flow__edge[data-id="manual_review|on|approve|0"]').waitFor({ state: 'attached' });
    assert.match(await text.inputValue(), /manual_review: \{ on: \{ approve: completed \} \}/);

    // A text edit: small orders now go to manual review, so the stock exception is unreachable.
    await text.fill((await text.inputValue()).replace('- { to: stock_exception }', '- { to: manual_review }'));
    await page.locator('.react-flow__edge[data-id="received|always||1"]').waitFor({ state: 'attached' });
    await page
      .getByTestId('problem-stock_exception')
      .getByText(/cannot be reached/)
      .waitFor();
    await page.getByTestId('problem-manual_review').waitFor({ state: 'detached' });

    // Fixed in the graph: select the state and delete it; the YAML loses it too.
    await node('stock_exception').click();
    await page.getByTestId('selected-state').getByRole('heading', { name: 'State stock_exception' }).waitFor();
    await page.getByRole('button', { name: 'Delete state' }).click();
    await node('stock_exception').waitFor({ state: 'detached' });
    assert.doesNotMatch(await text.inputValue(), /stock_exception/);
    // Only the stock exception led to "cancelled": the validator now says so at that node.
    await page
      .getByTestId('problem-cancelled')
      .getByText(/state "cancelled" cannot be reached/)
      .waitFor();
    await page.getByLabel('From state').selectOption('manual_review');
    await page.getByLabel('Event').fill('cancel');
    await page.getByLabel('To state').selectOption('cancelled');
    await page.getByLabel('Event').press('Enter');
    await page.getByTestId('valid').getByText('The definition is valid.').waitFor();
    await page.locator('.pnode-error').first().waitFor({ state: 'detached' });
    await page.locator('.code-gutter .err').first().waitFor({ state: 'detached' });

    // A rename follows every reference.
    await node('manual_review').click();
    await page.getByLabel('Rename to').fill('weryfikacja');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await node('weryfikacja').waitFor();
    assert.match(await text.inputValue(), /- \{ to: weryfikacja \}/);
    assert.match(await text.inputValue(), /weryfikacja: \{ on: \{ approve: completed, cancel: cancelled \} \}/);
  });

  test('given a valid draft, it is saved, simulated on recent orders with a difference summary, published, and a new order follows it', async () => {
    const { page } = rig;
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Saved as draft v2.').waitFor();
    await page.getByRole('button', { name: 'v2 · draft' }).waitFor();

    await page.getByRole('button', { name: 'Simulate on recent orders' }).click();
    const sim = page.getByTestId('simulation');
    await sim.getByRole('heading', { name: 'Simulation: v1 → v2 (draft)' }).waitFor();
    // Only the orders this process would get are simulated: the five B2B ones, not the web ones.
    assert.equal(
      await sim.getByTestId('sim-sample').textContent(),
      'Of the last 7 orders, 5 would run this process; 5 simulated.',
    );
    // The three small orders ended in the stock exception under v1 and wait for review under the draft.
    assert.match(
      (await sim.getByTestId('sim-headline').textContent()) ?? '',
      /^5 recent orders simulated: 3 would go differently, 3 would end in another state\.$/,
    );
    assert.match((await sim.getByRole('row', { name: /exceptions/ }).textContent()) ?? '', /3\s*0\s*-3/);
    await sim
      .getByText(/end state stock_exception → weryfikacja/)
      .first()
      .waitFor();
    await sim.scrollIntoViewIfNeeded();
    await rig.shot('designer-simulation-en');

    await page.getByRole('button', { name: 'Publish v2' }).click();
    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.getByText('Published v2: new orders follow it.').waitFor();
    await page.getByRole('button', { name: 'v2 · published' }).waitFor();
    await page
      .getByRole('button', { name: 'v1 · retired' })
      .or(page.getByRole('button', { name: 'v1 · published' }))
      .first()
      .waitFor();

    const fresh = await call(
      'POST',
      '/api/v1/orders',
      orderBody({ channel: 'b2b', externalId: 'B2B-NEW', customer: { name: 'Sklep „Łasuch”' }, ...SMALL }),
    );
    assert.equal(fresh.status, 201);
    assert.equal(fresh.body.state, 'weryfikacja');
    assert.deepEqual([fresh.body.process.key, fresh.body.process.version], ['desk', 2]);
    const old = await call('GET', '/api/v1/orders?channel=b2b&state=stock_exception');
    assert.equal(old.body.items.length, 3, 'running orders stay on v1');
  });

  test('given two versions, the history shows who changed what and the diff between them; Polish labels follow the user', async () => {
    const { page } = rig;
    const history = page.getByRole('region', { name: 'Versions and changes' });
    await history.getByRole('combobox', { name: /^Version/ }).selectOption('1');
    await history.getByRole('combobox', { name: /^with version/ }).selectOption('2');
    const diff = page.getByTestId('version-diff');
    await diff.locator('.add', { hasText: 'weryfikacja: { on: { approve: completed, cancel: cancelled } }' }).waitFor();
    await diff.locator('.del', { hasText: 'stock_exception:' }).waitFor();
    await history.getByText(/published v2/).waitFor();
    await diff.scrollIntoViewIfNeeded();
    await rig.shot('designer-history-en');

    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('button', { name: 'Polski' }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('designer-key').getByText('Klucz: desk').waitFor();
    // A reload fetches the heat map again: the new order waits in the renamed state.
    await page.reload();
    await page.getByTestId('designer-key').getByText('Klucz: desk').waitFor();
    await page
      .getByTestId('heat-weryfikacja')
      .getByText(/^1 zamówienie · mediana/)
      .waitFor();
    await page.evaluate('window.scrollTo(0, 0)');
    await rig.shot('designer-pl');
    await page.getByRole('button', { name: /Menu użytkownika/ }).click();
    await page.getByRole('button', { name: 'Русский' }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('designer-key').getByText('Ключ: desk').waitFor();
    await page.getByText(/Сейчас в процессе: 6 заказов/).waitFor();
    await rig.shot('designer-ru');
    await page.getByRole('button', { name: /Меню пользователя/ }).click();
    await page.getByRole('button', { name: 'English' }).click();
    await page.keyboard.press('Escape');
  });

  test('given a viewer, the designer is read-only: no draft, save or publish controls', async () => {
    await rig.addUser('podglad@example.pl', ['viewer']);
    const page = await rig.newPage();
    await rig.login(page, 'podglad@example.pl');
    await page.goto(`${rig.base}/processes/desk`);
    await page.getByRole('heading', { name: 'Biuro zamówień B2B' }).waitFor();
    await page.getByText('Read only: your role cannot change processes.').waitFor();
    for (const name of ['Edit as a new draft', 'Save draft', 'Publish v2', 'Add state'])
      assert.equal(await page.getByRole('button', { name }).count(), 0, name);
    assert.equal(await page.getByRole('textbox', { name: 'Definition (text)' }).getAttribute('readonly'), '');
    // Simulation only reads: a viewer may try the published version against recent orders.
    assert.equal(await page.getByRole('button', { name: 'Simulate on recent orders' }).isEnabled(), true);
    await page.context().close();
  });

  test('given a new key, the designer starts from a template, saves the first draft and publishes it', async () => {
    const { page } = rig;
    await page.goto(`${rig.base}/processes`);
    await page.getByLabel('New process key').fill('Zwroty PL');
    await page.getByRole('button', { name: 'Create process' }).click();
    await page
      .getByRole('alert')
      .getByText(/lower-case letters, digits and hyphens/)
      .waitFor();
    await page.getByLabel('New process key').fill('zwroty-pl');
    await page.getByLabel('New process key').press('Enter');
    // a new process has no name yet: its key made readable, the key itself small beside it
    await page.getByRole('heading', { name: 'Zwroty pl', exact: true }).waitFor();
    assert.equal(await page.getByTestId('designer-key').innerText(), 'Key: zwroty-pl');
    await page.getByText('new, not saved yet').waitFor();
    await page.getByTestId('valid').getByText('The definition is valid.').waitFor();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Saved as draft v1.').waitFor();
    await page.getByRole('button', { name: 'Publish v1' }).click();
    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.getByText('Published v1: new orders follow it.').waitFor();
    const versions = await call('GET', '/api/v1/processes/zwroty-pl');
    assert.deepEqual(
      versions.body.items.map((v: { status: string }) => v.status),
      ['published'],
    );
  });

  test('given a decision table, it is edited as a table: a bad condition is shown at its row, rules move, and only the touched lines change', async () => {
    const { page } = rig;
    const created = await call('POST', '/api/v1/processes', { source: LIMITS });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.goto(`${rig.base}/processes/limits`);
    const tables = page.getByTestId('decision-tables');
    await tables.getByRole('heading', { name: 'route' }).waitFor();
    const when = (n: number) => tables.getByLabel(`When (condition) ${n}`);
    const result = (n: number) => tables.getByLabel(`Result ${n}`);
    assert.equal(await when(1).inputValue(), 'order.total > 100000');
    assert.equal(await result(2).inputValue(), 'kierownik');
    assert.equal(await tables.getByLabel('When none matches').inputValue(), 'nikt');
    const text = page.getByRole('textbox', { name: 'Definition (text)' });
    const before = (await text.inputValue()).split('\n');

    // A condition that does not compile: the server's problem is shown at its row.
    await when(2).fill('order.total >');
    await tables.locator('input[aria-invalid="true"]').waitFor();
    assert.equal(await when(2).getAttribute('aria-invalid'), 'true');
    await when(2).fill('order.total > 5000');
    await page.getByTestId('valid').getByText('The definition is valid.').waitFor();
    assert.equal(await tables.locator('input[aria-invalid="true"]').count(), 0);

    // Rules move (first match wins, so the order is the decision) and results are edited in place.
    await tables.getByRole('button', { name: 'Move rule 2 up' }).click();
    assert.equal(await when(1).inputValue(), 'order.total > 5000');
    await result(1).fill('kierownik sprzedaży');
    const after = (await text.inputValue()).split('\n');
    assert.equal(after.length, before.length);
    const changed = after.map((line, i) => (line === before[i] ? null : i)).filter((i) => i !== null);
    assert.equal(changed.length, 2, `only the two rule lines change:\n${after.join('\n')}`);
    assert.match(after[changed[0]!]!, /order\.total > 5000.*kierownik sprzedaży/);
    assert.match(after[changed[1]!]!, /order\.total > 100000.*zarząd/);
    assert.ok(after.includes('# Kto zatwierdza — a comment the table editor must keep.'));

    // A rule added and removed again leaves the text as it was.
    await tables.getByRole('button', { name: 'Add rule' }).click();
    await when(3).waitFor();
    await tables.getByRole('button', { name: 'Delete rule 3' }).click();
    await when(3).waitFor({ state: 'detached' });
    assert.deepEqual((await text.inputValue()).split('\n'), after);
    await rig.shot('designer-tables-en');

    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText(/Saved as draft v1\./).waitFor();
    const stored = await call('GET', '/api/v1/processes/limits/versions/1');
    assert.equal(stored.body.source, after.join('\n'));
  });

  test('given a process of 30 states with long event names, the layout keeps every label clear of the others and of the states', async () => {
    const { page } = rig;
    const steps = Array.from({ length: 28 }, (_, i) => `step_${String(i + 1).padStart(2, '0')}`);
    const states = steps.map((name, i) => {
      const next = steps[i + 1] ?? 'done';
      const on = `{ confirm_${name}_by_warehouse: ${next}, cancel_at_${name}: cancelled }`;
      return i % 5 === 4
        ? `  ${name}:\n    always: [{ to: ${next}, when: "order.total > ${(i + 1) * 1000}" }]\n    on: ${on}`
        : `  ${name}: { on: ${on} }`;
    });
    const source = `key: long-run\nstart: step_01\nstates:\n${states.join('\n')}\n  done: { terminal: true }\n  cancelled: { terminal: true, outcome: cancelled }\n`;
    const created = await call('POST', '/api/v1/processes', { source });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.goto(`${rig.base}/processes/long-run`);
    await page.locator('.react-flow__node').nth(29).waitFor();
    // The labels are placed after the layout pass: wait for all of them, not the first one drawn
    // (on a busy machine the first may be seen before the layout replaces the provisional ones).
    await page.waitForFunction(`document.querySelectorAll('.edge-label').length === ${28 * 2 + 5}`);
    const timing = (await page.evaluate(NAV_TIMING)) as NavTiming;
    console.log(`# figure: designer with 30 states and 61 transitions drawn ${timing.now} ms after navigation start`);
    // Positions in the graph's own coordinates (independent of the zoom that fits it on screen).
    // A string, not a function: the test's compiler would wrap a function's inner names in helpers the page lacks.
    const boxes = (await page.evaluate(`(() => {
      const box = (el, text) => Object.assign({ text }, el.getBoundingClientRect().toJSON());
      return {
        labels: [...document.querySelectorAll('.edge-label')].map((el) => box(el, el.textContent)),
        nodes: [...document.querySelectorAll('.react-flow__node')].map((el) => box(el, el.getAttribute('data-id'))),
      };
    })()`)) as { labels: Box[]; nodes: Box[] };
    assert.equal(boxes.nodes.length, 30);
    assert.equal(boxes.labels.length, 28 * 2 + 5, 'every transition is labelled (events and conditions)');
    const overlap = (a: Box, b: Box) =>
      a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const clashes: string[] = [];
    const labels = boxes.labels;
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++)
        if (overlap(labels[i]!, labels[j]!)) clashes.push(`${labels[i]!.text} × ${labels[j]!.text}`);
      for (const n of boxes.nodes as Box[])
        if (overlap(labels[i]!, n)) clashes.push(`${labels[i]!.text} × state ${n.text}`);
    }
    assert.deepEqual(clashes, [], 'no edge label overlaps another label or a state');
    await rig.shot('designer-30-states-en');
  });

  test('given the whole session, the browser logged no console errors', () => {
    assert.deepEqual(rig.consoleErrors, []);
  });
});
