// The care coordinator's console page in real headless Chromium (issue 13 item 3): Meadowbrook's care
// coordinator signs in, sees the case-conference agenda, her open tasks and letters, and Anjali's six weeks
// after the NICU discharge: the seven specialist visits by specialty and the weekly weight checks, with her
// referral clocks and the Medical Home Checklist; every view of Anjali's data is audited with the
// coordinator as agent. A care coordinator of ANOTHER practice does not see Anjali: not listed, her
// timeline 404, Meadowbrook's views 403. An operator may look at any home (?home=). Screenshots go under
// HOMEBASE_ARTIFACTS (coordinator-<page>.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleHarness, eventually, seedMessage } from './console_harness.mjs';

const h = new ConsoleHarness('coordinator');
// The seed's dates are what they are: Anjali came home on 6 March 2024.
const discharge = '2024-03-06';
const specialties = ['Ophthalmology', 'Audiology', 'Pulmonology', 'Cardiology', 'Gastroenterology and nutrition',
  'Neurosurgery', 'Neonatal follow-up clinic'];

test('the care coordinator console', { timeout: 240000 }, async (t) => {
  await h.start({
    users: [
      { name: 'laura', role: 'care_coordinator', medical_home: 'meadowbrook' },
      { name: 'rita', role: 'care_coordinator', medical_home: 'riverside' },
      { name: 'ops', role: 'operator' },
    ],
  });
  t.after(() => h.stop());

  const anjali = await h.postMessage(seedMessage());
  assert.equal(anjali.status, 200, anjali.body);
  await eventually(async () => (await h.admin('/admin/messages/1')).status === 'sent', { what: 'Anjali delivered' });

  const page = await h.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  let patientId;

  await t.test("Meadowbrook's coordinator starts on the case-conference agenda", async () => {
    await h.signIn(page, 'laura');
    assert.equal(new URL(page.url()).pathname, '/console/coordinator');
    await h.loaded(page);
    await page.locator('#co-home-name', { hasText: 'Meadowbrook Pediatrics' }).waitFor();
    // Anjali is listed, and her discharge put her on the next conference.
    const child = page.locator('.co-children li', { hasText: 'Anjali Sharma' });
    await child.waitFor();
    patientId = await child.getAttribute('data-patient');
    assert.ok(patientId);
    const next = page.locator('.co-panel-accent');
    await next.locator('text=Next conference').waitFor();
    await next.locator('.co-agenda-card', { hasText: 'Anjali Sharma' }).waitFor();
    await next.getByText('New NICU graduate: introduce the child and family to the team').waitFor();
    await h.screenshot(page, 'agenda');
  });

  await t.test('open tasks come by owner role and due date', async () => {
    await page.click('a.co-tab[data-view=tasks]');
    await page.waitForSelector('#co-main[data-ready="tasks"]');
    const groups = page.locator('.co-panel h3');
    await groups.first().waitFor();
    assert.match(await groups.first().innerText(), /Care coordinator/);
    assert.ok((await page.locator('.co-table tbody tr').count()) > 0);
    await page.getByText('Weekly weight check 1 after the NICU discharge').first().waitFor();
    await h.screenshot(page, 'tasks');
  });

  await t.test('letters waiting to go say that clinician approval comes with issue 12', async () => {
    await page.click('a.co-tab[data-view=letters]');
    await page.waitForSelector('#co-main[data-ready="letters"]');
    await page.locator('.co-note', { hasText: 'issue 12' }).waitFor();
    await h.screenshot(page, 'letters');
  });

  await t.test("Anjali's six weeks show the seven specialist visits and the weight checks", async () => {
    await page.click(`.co-children li[data-patient="${patientId}"] a`);
    await page.waitForSelector(`#co-main[data-ready="child:${patientId}"]`);
    await page.locator('.co-child-head h2', { hasText: 'Anjali Sharma' }).waitFor();
    // The default window starts today; the seed's visits are in March 2024: move to the discharge.
    await page.click('a.co-btn:has-text("From discharge")');
    await eventually(async () => new URL(page.url()).hash === `#child/${patientId}/${discharge}`, { what: 'from discharge' });
    await page.locator('.co-cal-day[data-date="2024-03-12"] .co-visit-specialist').waitFor();

    const visits = page.locator('.co-cal .co-visit-specialist');
    assert.equal(await visits.count(), 7);
    const names = await page.locator('.co-cal .co-visit-specialist .co-visit-what').allInnerTexts();
    assert.deepEqual([...names].sort(), [...specialties].sort());
    // Each on its day, at its time and place (as the hospital booked them).
    const ophthalmology = page.locator('.co-cal-day[data-date="2024-03-12"] .co-visit-specialist');
    assert.match(await ophthalmology.innerText(), /09:00[\s\S]*Ophthalmology/);
    assert.match(await page.locator('.co-cal-day[data-date="2024-03-20"] .co-visit-specialist').innerText(), /08:30[\s\S]*Cardiology/);

    // The weekly weight checks: the first one booked at the practice on 13 March, then one each week.
    await page.locator('.co-cal-day[data-date="2024-03-13"] .co-visit-weight-check').waitFor();
    const checks = await page.locator('.co-weight', { hasText: 'Weight check' }).allInnerTexts();
    assert.equal(checks.length, 5, checks.join(' | '));
    assert.match(checks[0], /Weight check 1 · booked/);
    assert.match(await page.locator('.co-stats').innerText(), /7\s+specialist visits/);
    // A cluster: four visits from 12 to 18 March.
    await page.locator('.co-cluster-notes', { hasText: /4 visits at \d+ sites?/ }).waitFor();
    // Seven open referrals, each with its loop-closure clock (not started before the visit).
    assert.equal(await page.locator('.co-panel:has(h3:text("Open referrals")) tbody tr').count(), 7);
    // The Medical Home Checklist with its evidence.
    assert.equal(await page.locator('.co-checklist > li').count(), 11);
    assert.ok((await page.locator('.co-evidence li').count()) > 0);
    await h.screenshot(page, 'timeline');
  });

  await t.test("every view of Anjali's data is audited with the coordinator as agent", async () => {
    const trail = await h.admin(`/fhir/AuditEvent?patient=Patient/${patientId}&agent=console:laura&_count=100`);
    assert.ok(trail.total >= 2, JSON.stringify(trail).slice(0, 400));
  });

  await t.test('a care coordinator of another practice cannot see Anjali', async () => {
    const other = await h.newPage();
    await other.setViewportSize({ width: 1440, height: 900 });
    await h.signIn(other, 'rita');
    assert.equal(new URL(other.url()).pathname, '/console/coordinator');
    await h.loaded(other);
    await other.locator('#co-home-name', { hasText: 'Riverside Family Medicine' }).waitFor();
    await other.locator('.co-children li.co-empty').waitFor();
    assert.equal(await other.locator('.co-children li', { hasText: 'Anjali' }).count(), 0);
    assert.doesNotMatch(await other.locator('body').innerText(), /Anjali/);
    await h.screenshot(other, 'other-practice');

    // Her timeline is not found, exactly like an unknown child's; Meadowbrook's views are refused.
    const timeline = await other.request.get(`${h.base}/console/api/coordinator/children/${patientId}/timeline?from=${discharge}`);
    assert.equal(timeline.status(), 404);
    assert.doesNotMatch(await timeline.text(), /Anjali|Sharma/);
    const unknown = await other.request.get(`${h.base}/console/api/coordinator/children/no-such-child/timeline`);
    assert.equal(unknown.status(), 404);
    assert.equal((await other.request.get(`${h.base}/console/api/coordinator/children?home=meadowbrook`)).status(), 403);
    // Through the page too: the view says not found.
    await other.goto(`${h.base}/console/coordinator#child/${patientId}/${discharge}`);
    await h.loaded(other);
    await other.locator('.co-error', { hasText: 'Not found' }).waitFor();
    assert.doesNotMatch(await other.locator('body').innerText(), /Anjali/);
    await other.context().close();
  });

  await t.test('an operator may look at any home', async () => {
    const ops = await h.newPage();
    await h.signIn(ops, 'ops');
    await ops.goto(`${h.base}/console/coordinator?home=meadowbrook`);
    await h.loaded(ops);
    await ops.locator('.co-children li', { hasText: 'Anjali Sharma' }).waitFor();
    const bad = await ops.request.get(`${h.base}/console/api/coordinator/children/${patientId}/timeline?home=meadowbrook&from=March`);
    assert.equal(bad.status(), 400);
    await ops.context().close();
  });

  await page.context().close();
});
