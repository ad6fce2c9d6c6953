// The console in real headless Chromium (issue 13 item 3): password sign-in (a bad password refused, the
// lock-out after repeated failures, a POST without its CSRF token refused), the operator's pages walked
// with the seed story (Anjali's NICU discharge delivered, a dead letter, a held twin), a dead letter
// replayed and seen delivered, the held twin resolved with the match button, and care coordinators kept
// off the operator's pages: one of ANOTHER practice never sees Anjali. A screenshot of every page is saved
// under HOMEBASE_ARTIFACTS (operator-<page>.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleHarness, eventually, seedMessage, heldTwinMessage, password } from './console_harness.mjs';

const h = new ConsoleHarness('operator');

test('the operator console', { timeout: 240000 }, async (t) => {
  await h.start({
    users: [
      { name: 'ops', role: 'operator' },
      { name: 'locked', role: 'operator' },
      { name: 'maria', role: 'care_coordinator', medical_home: 'meadowbrook' },
      { name: 'rita', role: 'care_coordinator', medical_home: 'riverside' },
    ],
    // The medical home refuses the first transaction it is sent (400: not retried, a dead letter).
    homeArgs: ['--fail-first=1', '--fail-status=400'],
  });
  t.after(() => h.stop());

  // The seed story: another child's discharge, refused by the home (dead letter) ...
  const refused = await h.postMessage(seedMessage({
    bundleId: 'c0000001-0000-4000-8000-000000000001', headerId: 'd0000001-0000-4000-8000-000000000002', mrn: 'SEC-7700001',
  }));
  assert.equal(refused.status, 200, refused.body);
  await eventually(async () => (await h.admin('/admin/messages/1')).status === 'dead', { what: 'message 1 dead' });
  // ... Anjali's NICU discharge, delivered ...
  const anjali = await h.postMessage(seedMessage());
  assert.equal(anjali.status, 200, anjali.body);
  await eventually(async () => (await h.admin('/admin/messages/2')).status === 'sent', { what: 'Anjali delivered' });
  // ... and a message that may be about her or about a twin: held for a person.
  const held = await h.postMessage(heldTwinMessage('e0000003-0000-4000-8000-000000000003', 'f0000003-0000-4000-8000-000000000004'));
  assert.equal(held.status, 200, held.body);
  assert.equal((await h.admin('/admin/messages/3')).status, 'held_for_match');

  await t.test('sign-in refuses a bad password and a form without its CSRF token', async () => {
    const page = await h.newPage();
    const form = await page.goto(`${h.base}/console/sign-in`);
    assert.equal(form.status(), 200);
    assert.match(form.headers()['content-security-policy'], /frame-ancestors 'none'/);
    assert.match(form.headers()['content-security-policy'], /script-src 'self'/);
    assert.equal(form.headers()['x-frame-options'], 'DENY');
    assert.equal(form.headers()['cache-control'], 'no-store');
    await h.screenshot(page, 'sign-in');
    const bad = await h.signIn(page, 'ops', 'not the password');
    assert.equal(bad.status(), 401);
    await page.getByText('Wrong user name or password.').waitFor();
    await h.screenshot(page, 'sign-in-refused');
    // A POST without the form's token (as another site's form would send): refused, nobody signed in.
    const forged = await page.request.post(`${h.base}/console/sign-in`, {
      form: { user: 'ops', password }, maxRedirects: 0,
    });
    assert.equal(forged.status(), 403);
    assert.equal(forged.headers()['set-cookie']?.includes('homebase_console='), false);
    await page.context().close();
  });

  await t.test('repeated failures lock the user out, even with the right password', async () => {
    const page = await h.newPage();
    for (let i = 0; i < 3; ++i) assert.equal((await h.signIn(page, 'locked', 'wrong ' + i)).status(), 401);
    const locked = await h.signIn(page, 'locked', password);
    assert.equal(locked.status(), 429);
    assert.ok(Number(locked.headers()['retry-after']) > 0);
    await page.getByText(/Too many failed sign-ins/).waitFor();
    await h.screenshot(page, 'sign-in-locked');
    // Another user from the same address is not locked out.
    const ok = await h.signIn(page, 'ops');
    assert.equal(new URL(page.url()).pathname, '/console/queues');
    assert.equal(ok.status(), 200);
    await page.context().close();
  });

  const page = await h.newPage();
  await t.test('the operator signs in and sees the queues', async () => {
    await h.signIn(page, 'ops');
    assert.equal(new URL(page.url()).pathname, '/console/queues');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'homebase_console');
    assert.ok(session, 'session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/console');
    await h.loaded(page);
    await page.locator('tr[data-home="meadowbrook"]').waitFor();
    assert.equal(await page.locator('tr[data-home="meadowbrook"] td').nth(3).innerText(), '1'); // one dead letter
    await page.getByText('Held for matching').waitFor();
    await h.screenshot(page, 'queues');
  });

  await t.test('the message browser filters by status, partner, event, date and child', async () => {
    await page.goto(`${h.base}/console/messages`);
    await h.loaded(page);
    await eventually(async () => (await page.locator('#messages tbody tr[data-id]').count()) === 3, { what: 'three rows' });
    await h.screenshot(page, 'messages');
    await page.selectOption('select[name=status]', 'sent');
    await page.click('#filters button[type=submit]');
    await eventually(async () => (await page.locator('#messages tbody tr[data-id]').count()) === 1, { what: 'sent only' });
    assert.equal(await page.locator('#messages tbody tr[data-id]').getAttribute('data-id'), '2');
    await page.selectOption('select[name=status]', '');
    await page.fill('input[name=partner]', 'nobody');
    await page.click('#filters button[type=submit]');
    await page.getByText('No messages match.').waitFor();
    await page.fill('input[name=partner]', 'st-elsewhere-nicu');
    await page.fill('input[name=event]', 'nicu-discharge');
    const today = new Date().toISOString().slice(0, 10);
    await page.fill('input[name=received-from]', today);
    await page.fill('input[name=received-to]', today);
    await page.click('#filters button[type=submit]');
    await eventually(async () => (await page.locator('#messages tbody tr[data-id]').count()) === 3, { what: 'all three today' });
    const anjaliChild = (await h.admin('/admin/messages/2')).child_id;
    await page.goto(`${h.base}/console/messages?child=${anjaliChild}`);
    await h.loaded(page);
    await eventually(async () => (await page.locator('#messages tbody tr[data-id]').count()) === 1, { what: 'her message' });
  });

  await t.test("a message's detail shows its attempts, notes and the Bundle sent", async () => {
    const res = await page.goto(`${h.base}/console/messages/2`);
    assert.equal(res.headers()['cache-control'], 'no-store');
    await h.loaded(page);
    await page.getByText('To meadowbrook').waitFor();
    const bundle = JSON.parse(await page.locator('pre.json').innerText());
    assert.equal(bundle.resourceType, 'Bundle');
    assert.equal(bundle.type, 'transaction');
    assert.ok(bundle.entry.some((e) => e.resource.resourceType === 'Patient' && JSON.stringify(e.resource.name).includes('Anjali')));
    assert.equal(await page.locator('#deliveries tbody tr').count(), 1); // one attempt, 200
    await h.screenshot(page, 'message', { fullPage: false });
    await h.screenshot(page, 'message-full');
    // The view of her data is in the audit trail, the console user as agent.
    const trail = await h.admin('/fhir/AuditEvent?_count=200');
    assert.ok(JSON.stringify(trail).includes('console:ops'), 'an AuditEvent names console:ops');
  });

  await t.test('a dead letter is replayed from the console and delivered', async () => {
    await page.goto(`${h.base}/console/dead-letters`);
    await h.loaded(page);
    await page.locator('tr[data-id="1"]').waitFor();
    await h.screenshot(page, 'dead-letters');
    await page.click('tr[data-id="1"] button.replay-one');
    await page.getByText(/Replayed 1 of 1/).waitFor();
    await page.getByText('No dead letters.', { exact: false }).waitFor();
    await eventually(async () => (await h.admin('/admin/messages/1')).status === 'sent', { what: 'replayed message sent' });
    await page.goto(`${h.base}/console/messages/1`);
    await h.loaded(page);
    await page.locator('h1 .badge.sent').waitFor();
    assert.equal(await page.locator('#deliveries tbody tr').count(), 2); // the 400, then the 200
    await h.screenshot(page, 'message-replayed');
  });

  await t.test('a held twin is resolved with the match button', async () => {
    await page.goto(`${h.base}/console/triage`);
    await h.loaded(page);
    const card = page.locator('section[data-id="3"]');
    await card.waitFor();
    await card.locator('.side.incoming').getByText('SEC-0099001', { exact: false }).waitFor();
    const candidate = card.locator('.side.candidate').first();
    await candidate.getByText('Anjali', { exact: false }).waitFor();
    await h.screenshot(page, 'triage');
    const child = await candidate.getAttribute('data-child');
    await candidate.locator('button.match').click();
    await page.getByText(`Message 3 is about child ${child}`).waitFor();
    await page.getByText('Nothing is waiting for a match.').waitFor();
    await eventually(async () => {
      const m = await h.admin('/admin/messages/3');
      return m.status !== 'held_for_match' && String(m.child_id) === child;
    }, { what: 'message 3 merged into the child' });
  });

  await t.test('the config in force shows no secret', async () => {
    await page.goto(`${h.base}/console/config`);
    await h.loaded(page);
    await page.getByText('Medical homes').first().waitFor();
    const text = await page.locator('main').innerText();
    assert.ok(text.includes('meadowbrook'));
    assert.ok(text.includes('(redacted)'));
    assert.ok(!text.includes('$scrypt$'), 'no password hash on the page');
    await h.screenshot(page, 'config');
  });

  await t.test('a care coordinator of another practice cannot see Anjali', async () => {
    const rita = await h.newPage();
    await h.signIn(rita, 'rita');
    assert.equal(new URL(rita.url()).pathname, '/console/coordinator');
    for (const p of ['/console/messages/2', '/console/messages', '/console/triage', '/console/dead-letters', '/console/config', '/console/queues']) {
      const res = await rita.goto(h.base + p);
      assert.equal(res.status(), 403, p);
      assert.ok(!(await rita.locator('body').innerText()).includes('Anjali'), p);
    }
    await h.screenshot(rita, 'coordinator-forbidden');
    for (const p of ['messages/2', 'messages', 'triage', 'queues', 'config', 'messages?child=1']) {
      const res = await rita.request.get(`${h.base}/console/api/${p}`);
      assert.equal(res.status(), 403, p);
      assert.ok(!(await res.text()).includes('Anjali'), p);
    }
    // Nor can she act: replay and match are refused (with her CSRF token: the refusal is her role's).
    const csrf = (await (await rita.request.get(`${h.base}/console/api/me`)).json()).csrf;
    const match = await rita.request.post(`${h.base}/console/api/messages/3/match`, {
      data: { child: 'new' }, headers: { 'X-CSRF-Token': csrf },
    });
    assert.equal(match.status(), 403);
    await rita.context().close();
    // The coordinator of Anjali's own practice is no operator either.
    const maria = await h.newPage();
    await h.signIn(maria, 'maria');
    assert.equal((await maria.goto(`${h.base}/console/messages/2`)).status(), 403);
    await maria.context().close();
  });

  await t.test('a POST without the session CSRF token is refused; sign-out ends the session', async () => {
    const replay = await page.request.post(`${h.base}/console/api/messages/$replay`, { data: { messages: [1] } });
    assert.equal(replay.status(), 403);
    await page.goto(`${h.base}/console/queues`);
    await h.loaded(page);
    await Promise.all([page.waitForNavigation(), page.click('.sign-out button')]);
    assert.equal(new URL(page.url()).pathname, '/console/sign-in');
    const after = await page.request.get(`${h.base}/console/api/queues`);
    assert.equal(after.status(), 401);
    await page.goto(`${h.base}/console/queues`);
    assert.equal(new URL(page.url()).pathname, '/console/sign-in');
  });
});
