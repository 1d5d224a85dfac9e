// Browser test of the admin app: sign in, build a survey with three questions in Dutch and
// English with a condition, publish it, answer it as a respondent, see the response in the app,
// and switch the app's language; the organisation pages; the results dashboard and scorecards. Screenshots go to target/e2e/ (admin-*.png).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CSP_LISTENER, Server, cssOverride, launchBrowser, shot, watch } from '../lib/harness.mjs';

const EMAIL = 'lead@e2e.example';
const PASSWORD = 'e2e-lead-password';
let server;
let browser;

before(async () => {
  server = await new Server().start();
  await server.cli('user', 'create', '--org', 'e2e', '--email', EMAIL, '--role', 'admin', '--name', 'Lotte Lead', '--password', PASSWORD);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(t, { viewport = { width: 1280, height: 900 }, mobile = false, locale = 'nl-NL' } = {}) {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  await context.addInitScript(CSP_LISTENER);
  await cssOverride(context);
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(() => context.close());
  return { context, page, watcher };
}

/** Clicks a submit button and waits for the page the POST (or its redirect) ends on. */
async function submitWith(page, button) {
  const loaded = page.waitForEvent('load');
  await button.click();
  await loaded;
}

async function noHorizontalScroll(page, width) {
  const sw = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
  assert.ok(sw <= width, `page is ${sw}px wide at a ${width}px viewport (${page.url()})`);
}

test('sign in, build, publish, answer, see the response, switch language', { timeout: 120_000 }, async (t) => {
  const { page, watcher } = await open(t);

  // Sign in (the app follows the browser's language: Dutch).
  await page.goto(`${server.base}/app`);
  assert.match(page.url(), /\/login\?next=%2Fapp%2Fsurveys$/);
  assert.equal((await page.locator('h1').textContent()).trim(), 'Aanmelden');
  await shot(page, 'admin-login');
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  await submitWith(page, page.locator('button.primary'));
  assert.match(page.url(), /\/app\/surveys$/);
  await shot(page, 'admin-surveys-empty');

  // A new, empty survey.
  await page.click('a[href="/app/surveys/new"]');
  await page.fill('#key', 'klantvraag');
  await page.fill('#title_nl', 'Uw vraag aan ons');
  await page.fill('#title_en', 'Your question to us');
  await page.check('input[name=template][value=""]');
  await submitWith(page, page.locator('button.primary'));
  assert.match(page.url(), /\/app\/surveys\/klantvraag\/edit$/);

  // Two more questions, in both languages.
  const add = page.locator('section[aria-labelledby=add-h]');
  for (const [type, id, nl, en] of [
    ['yesno', 'opgelost', 'Is uw vraag opgelost?', 'Was your question resolved?'],
    ['text', 'toelichting', 'Wat had beter gekund?', 'What could have been better?'],
  ]) {
    await add.locator('#new-type').selectOption(type);
    await add.locator('#new-id').fill(id);
    await add.locator('#new-text-nl').fill(nl);
    await add.locator('#new-text-en').fill(en);
    await submitWith(page, add.locator('button.primary'));
    assert.ok(await page.locator(`#q-${id}`).isVisible(), `question ${id} was added`);
  }
  // The open question only for detractors (q1 ≤ 6).
  const why = page.locator('#q-toelichting');
  await why.locator('select[name=cond_question]').selectOption('q1');
  await why.locator('select[name=cond_op]').selectOption('lte');
  await why.locator('input[name=cond_value]').fill('6');
  await submitWith(page, why.locator('form:has(input[name=action][value=update]) button.save:not([hidden])'));
  assert.equal(await page.locator('#q-toelichting select[name=cond_op]').inputValue(), 'lte');
  assert.ok(await page.locator('p.ok[role=status]').isVisible(), 'saved');
  await shot(page, 'admin-builder');

  // The live preview follows typing before anything is saved.
  const preview = page.frameLocator('iframe[name=live-preview]');
  await page.locator('#q-opgelost textarea[name="text.nl"]').fill('Is uw vraag echt opgelost?');
  await preview.locator('text=Is uw vraag echt opgelost?').waitFor({ timeout: 10_000 });
  await shot(page, 'admin-builder-live-preview');
  await submitWith(page, page.locator('#q-opgelost form:has(input[name=action][value=update]) button.save:not([hidden])'));

  // Publish: the first version.
  await page.click('a[href="/app/surveys/klantvraag/publish"]');
  await shot(page, 'admin-publish');
  await submitWith(page, page.locator('form[action$="/publish"] button.primary'));
  assert.match(page.url(), /\/app\/surveys/);
  const link = (await page.locator('tr:has-text("klantvraag") a.url').textContent()).trim();
  assert.match(link, /\/s\/[A-Za-z0-9_-]+$/);
  await shot(page, 'admin-surveys-published');

  // A respondent answers on a phone.
  const resp = await open(t, { viewport: { width: 375, height: 740 }, mobile: true });
  await resp.page.goto(link);
  assert.equal((await resp.page.locator('h1').textContent()).trim(), 'Uw vraag aan ons');
  await resp.page.locator('#q-q1 label:has(> input[value="3"])').tap();
  await resp.page.locator('#q-opgelost label:has(> input[value="no"])').tap();
  await resp.page.locator('#q-toelichting').waitFor({ state: 'visible' });
  await resp.page.locator('textarea[name="q.toelichting"]').fill('Ik moest drie keer bellen.');
  await noHorizontalScroll(resp.page, 375);
  await submitWith(resp.page, resp.page.locator('button.primary'));
  assert.match(resp.page.url(), /\/thanks\?lang=nl$/);
  assert.deepEqual(resp.watcher.problems, []);

  // The response shows in the app: results → the survey's dashboard → its responses.
  await page.click('nav.main-nav a[href="/app/results"]');
  await page.click('a[href="/app/surveys/klantvraag/dashboard"]');
  await page.click('a[href="/app/surveys/klantvraag/responses"]');
  assert.ok(await page.locator('td:has-text("Ik moest drie keer bellen.")').isVisible());
  await shot(page, 'admin-responses');

  // Switch the app to English.
  await page.click('nav.main-nav a[href="/app/settings"]');
  await page.check('input[name=lang][value=en]');
  await submitWith(page, page.locator('form[action="/app/settings/language"] button.primary'));
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal((await page.locator('h1').textContent()).trim(), 'Settings');
  await shot(page, 'admin-settings-en');

  // The app on a phone: no sideways scrolling.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${server.base}/app/surveys/klantvraag/edit`);
  await noHorizontalScroll(page, 375);
  await shot(page, 'admin-builder-phone');
  assert.deepEqual(watcher.problems, [], 'console errors, CSP violations or failed requests');
});

test('organisation: add units, move one, add an employee and a touchpoint', { timeout: 90_000 }, async (t) => {
  const { page, watcher } = await open(t, { locale: 'en-GB' });
  await page.goto(`${server.base}/login`);
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  await submitWith(page, page.locator('button.primary'));
  await page.goto(`${server.base}/app/organisation`);
  for (const [id, name, parent, office] of [
    ['KS', 'Customer service', '', 'front'],
    ['KS-TEL', 'Phone team', 'KS', 'front'],
    ['FIN', 'Finance', '', 'back'],
  ]) {
    const form = page.locator('form[action="/app/organisation/units"]');
    await form.locator('[name=external_id]').fill(id);
    await form.locator('[name=name]').fill(name);
    await form.locator('select[name=parent]').selectOption(parent);
    await form.locator('select[name=office]').selectOption(office);
    await submitWith(page, form.locator('button.primary'));
    assert.ok(await page.locator(`a[href="/app/organisation/units/${id}"]`).isVisible(), `${id} is listed`);
  }
  // Move the phone team under Finance.
  await page.click('a[href="/app/organisation/units/KS-TEL"]');
  await page.locator('select[name=parent]').selectOption('FIN');
  await submitWith(page, page.locator('form[action="/app/organisation/units/KS-TEL"] button.primary'));
  const rows = await page.locator('table.records tbody th a').allTextContents();
  assert.deepEqual(rows.map((r) => r.trim()), ['Customer service', 'Finance', 'Phone team']);
  await shot(page, 'org-units');

  // An employee, with a refused email first.
  await page.click('nav.tabs a[href="/app/organisation/employees"]');
  const emp = page.locator('form[method=post][action="/app/organisation/employees"]');
  await emp.locator('[name=external_id]').fill('E-0001');
  await emp.locator('[name=name]').fill('Sanne de Vries');
  await emp.locator('[name=email]').fill('sanne-at-example');
  await emp.locator('select[name=unit]').selectOption('KS-TEL');
  await submitWith(page, emp.locator('button.primary'));
  assert.ok(await page.locator('.err:has-text("Enter an email address")').isVisible());
  await shot(page, 'org-employee-error');
  // that refusal was answered 422 on purpose; anything else the watcher saw is a problem
  assert.ok(watcher.problems.every((p) => p.includes('/app/organisation/employees')), watcher.problems.join('\n'));
  watcher.problems.length = 0;
  await page.locator('form[method=post][action="/app/organisation/employees"] [name=email]').fill('sanne@example.nl');
  await submitWith(page, page.locator('form[method=post][action="/app/organisation/employees"] button.primary'));
  assert.ok(await page.locator('a:has-text("Sanne de Vries")').isVisible());

  // A channel and a touchpoint owned by the back office.
  await page.click('nav.tabs a[href="/app/organisation/touchpoints"]');
  const ch = page.locator('form[action="/app/organisation/channels"]');
  await ch.locator('[name=key]').fill('mail');
  await ch.locator('[name=name]').fill('Letter');
  await ch.locator('[name=kind]').fill('paper');
  await submitWith(page, ch.locator('button.primary'));
  const tp = page.locator('form[action="/app/organisation/touchpoints"]');
  await tp.locator('[name=key]').fill('invoice');
  await tp.locator('[name=name]').fill('Invoice');
  await tp.locator('select[name=unit]').selectOption('FIN');
  await tp.locator('select[name=channel]').selectOption('mail');
  await submitWith(page, tp.locator('button.primary'));
  assert.ok(await page.locator('td:has-text("Finance")').isVisible());
  await shot(page, 'org-touchpoints');

  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${server.base}/app/organisation`);
  await noHorizontalScroll(page, 375);
  await shot(page, 'org-units-phone');
  await page.goto(`${server.base}/app/organisation/employees`);
  await noHorizontalScroll(page, 375);
  assert.deepEqual(watcher.problems, [], 'console errors, CSP violations or failed requests');
});

test('results dashboard and scorecards, on a desktop and a phone', { timeout: 120_000 }, async (t) => {
  await server.publish('results', 'results.yaml');
  await server.api('PUT', '/units/SC', { name: 'Service centre', office: 'front' });
  await server.api('PUT', '/contacts/C1', { attributes: { segment: 'zakelijk' } });
  await server.api('PUT', '/contacts/C2', { attributes: { segment: 'particulier' } });
  // 160 responses over four months; a fixed pseudo-random sequence, so every run is alike.
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const texts = ['Heel vriendelijk geholpen, dank!', 'Lang gewacht en niet opgelost.', 'Prima.', 'Helpful and quick.'];
  for (let i = 0; i < 160; i++) {
    const s = rnd(5);
    const answers = { nps: Math.min(10, 4 + s + rnd(3)), csat: 1 + s, wait: 1 + Math.min(4, s + rnd(2)), kindness: 1 + rnd(5) };
    if (i % 8 === 0) answers.why = texts[(i / 8) % texts.length];
    const month = String(1 + (i % 4)).padStart(2, '0');
    await server.api('POST', '/surveys/results/responses', {
      answers, submitted_at: `2026-${month}-${String(1 + (i % 27)).padStart(2, '0')}T10:00:00Z`,
      context: { unit: 'SC', contact: i % 3 === 0 ? 'C1' : 'C2' },
    });
  }
  const { page, watcher } = await open(t, { locale: 'en-GB' });
  await page.goto(`${server.base}/login`);
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  await submitWith(page, page.locator('button.primary'));
  await page.click('nav.main-nav a[href="/app/results"]');
  await page.click('a[href="/app/surveys/results/dashboard"]');
  assert.ok(await page.locator('.headline strong').isVisible());
  for (const chart of ['chart-trend', 'chart-distribution', 'chart-bars', 'chart-drivers', 'chart-matrix']) {
    assert.ok(await page.locator(`svg.${chart}`).first().isVisible(), `${chart} is shown`);
  }
  assert.ok(await page.locator('ul.comments li').first().isVisible(), 'open answers are listed');
  await shot(page, 'dashboard');
  // Weekly trend for the first quarter.
  await page.fill('#f-from', '2026-01-01');
  await page.fill('#f-to', '2026-03-31');
  await page.locator('#f-period').selectOption('week');
  await submitWith(page, page.locator('form.filters button.primary'));
  assert.match(page.url(), /period=week/);
  assert.ok(await page.locator('svg.chart-trend').isVisible());
  await page.setViewportSize({ width: 375, height: 740 });
  await noHorizontalScroll(page, 375);
  await shot(page, 'dashboard-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  // Keep the customers' segment in the results, then break the scores down by it.
  await page.click('#f-attr-hint a[href="/app/results/attributes"]');
  await page.check('input[name=key][value=segment]');
  await submitWith(page, page.locator('form[action="/app/results/attributes"] button.primary'));
  assert.match(await page.locator('p.ok').textContent(), /160 responses/);
  await shot(page, 'kept-attributes');
  await page.goto(`${server.base}/app/surveys/results/dashboard`);
  await page.locator('#f-by').selectOption('attribute:segment');
  await submitWith(page, page.locator('form.filters button.primary'));
  assert.match(page.url(), /by=attribute%3Asegment/);
  const bars = await page.locator('svg.chart-bars').first().textContent();
  assert.ok(bars.includes('zakelijk') && bars.includes('particulier'), 'one bar per segment');
  await shot(page, 'dashboard-by-segment');

  // Scorecards: choose NPS as the indicator, give the service centre a target, see its status.
  await page.click('nav.main-nav a[href="/app/scorecards"]');
  await page.click('a[href="/app/scorecards/settings"]');
  await page.locator('#kind').selectOption('nps');
  await page.locator('#question').selectOption('results/nps');
  await submitWith(page, page.locator('form[action="/app/scorecards/indicator"] button.primary'));
  assert.ok(await page.locator('.ok').isVisible());
  await page.fill('#period', '2026');
  await submitWith(page, page.locator('form.filters button'));
  await page.fill('#t-SC', '10');
  await submitWith(page, page.locator('form[action="/app/scorecards/targets"] button.primary'));
  await page.goto(`${server.base}/app/scorecards?period=2026-Q1`);
  assert.ok(await page.locator('svg.chart-bars').isVisible());
  assert.ok(await page.locator('tr:has-text("Service centre") .badge').first().isVisible());
  await shot(page, 'scorecards');
  await page.click('a:has-text("Service centre")');
  assert.equal(await page.locator('table.slots td').count(), 4);
  await shot(page, 'scorecard-unit');
  await page.setViewportSize({ width: 375, height: 740 });
  await noHorizontalScroll(page, 375);
  await shot(page, 'scorecard-unit-phone');
  assert.deepEqual(watcher.problems, [], 'console errors, CSP violations or failed requests');
});
