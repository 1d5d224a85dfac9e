// Browser tests for the respondent pages (/s/<id>, /t/<token>), run with `node --test`.
// One server with a fresh SQLite database serves every test; each test gets its own browser
// context (cookies, viewport, JavaScript on or off). Screenshots go to target/e2e/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CSP_LISTENER, Server, cssOverride, launchBrowser, shot, watch } from '../lib/harness.mjs';

const MOBILE = { width: 375, height: 740 };
let server;
let browser;
/** What each successful submission should have stored, in order, per survey key. */
const expected = { 'after-call': [], 'two-step': [] };

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(t, { viewport = MOBILE, mobile = true, js = true, locale = 'nl-NL' } = {}) {
  const context = await browser.newContext({
    viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: mobile ? 2 : 1,
    javaScriptEnabled: js, locale,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  await context.addInitScript(CSP_LISTENER);
  await cssOverride(context);
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(() => context.close());
  return { context, page, watcher };
}

function assertClean(watcher) {
  assert.deepEqual(watcher.problems, [], 'console errors, CSP violations or failed requests');
}

const option = (page, q, value) => page.locator(`#q-${q} label:has(> input[value="${value}"])`);

/** Chooses a radio/checkbox the way a person does: by its visible label (tap on touch screens). */
async function choose(page, q, value, { touch = false } = {}) {
  const label = option(page, q, value);
  if (touch) await label.tap(); else await label.click();
  assert.ok(await label.locator('input').isChecked(), `#q-${q} ${value} is checked`);
}

async function checked(page, q) {
  return page.locator(`#q-${q} input:checked`).evaluateAll((els) => els.map((e) => e.value));
}

async function submit(page, { touch = false } = {}) {
  const button = page.locator('button.primary');
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
  const loaded = page.waitForEvent('load'); // the page the POST (or its redirect) ends on
  if (touch) await button.tap(); else await button.click();
  const response = await posted;
  await loaded;
  return response;
}

async function noHorizontalScroll(page, width) {
  const sw = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
  assert.ok(sw <= width, `page is ${sw}px wide at a ${width}px viewport (${page.url()})`);
}

/** WCAG 2.2 target size (minimum, AA): every answer target is at least 24×24 CSS px. */
async function targetsAtLeast24(page) {
  const small = await page.locator('.scale label, .opt, button, a.button, nav.langs a').evaluateAll((els) => els
    .map((e) => { const r = e.getBoundingClientRect(); return { t: e.textContent.trim().slice(0, 20), w: r.width, h: r.height }; })
    .filter((r) => r.w > 0 && (r.w < 24 || r.h < 24)));
  assert.deepEqual(small, [], 'touch targets smaller than 24×24');
}

test('mobile, JavaScript on: the follow-up appears only for nps ≤ 6, then thank you', { timeout: 60_000 }, async (t) => {
  const { page, watcher } = await open(t);
  const res = await page.goto(server.url('after-call'));
  assert.equal(res.status(), 200);
  assert.equal(await page.locator('html').getAttribute('lang'), 'nl');
  assert.equal(await page.locator('h1').textContent(), 'Na uw gesprek');
  assert.equal((await page.locator('button.primary').textContent()).trim(), 'Versturen');
  await page.waitForFunction(() => document.documentElement.classList.contains('js'));
  for (const f of ['sid', 'v', 'page', 'lang']) assert.equal(await page.locator(`form input[type=hidden][name=${f}]`).count(), 1, `hidden ${f}`);
  const why = page.locator('#q-why');
  assert.ok(await why.isHidden(), '`why` is hidden before nps is answered');
  assert.ok(await page.locator('.nojs-hint').first().isHidden(), 'no no-JS hint with JavaScript on');
  await targetsAtLeast24(page);
  await noHorizontalScroll(page, MOBILE.width);
  await shot(page, 'mobile-form-empty');

  await choose(page, 'nps', '9', { touch: true });
  assert.ok(await why.isHidden(), '`why` stays hidden for a promoter');
  await choose(page, 'nps', '5', { touch: true });
  await why.waitFor({ state: 'visible' });
  assert.equal(await why.evaluate((f) => f.disabled), false);
  await choose(page, 'nps', '8', { touch: true });
  await why.waitFor({ state: 'hidden' });
  assert.equal(await why.evaluate((f) => f.disabled), true, 'a hidden question is disabled, so it is not sent');
  await choose(page, 'nps', '5', { touch: true });
  await why.waitFor({ state: 'visible' });

  await choose(page, 'answered', 'yes', { touch: true });
  await choose(page, 'effort', '6', { touch: true });
  await page.locator('textarea[name="q.why"]').fill('Sneller terugbellen, graag.');
  await noHorizontalScroll(page, MOBILE.width);
  await shot(page, 'mobile-form-filled');

  const post = await submit(page, { touch: true });
  assert.equal(post.status(), 303);
  assert.match(page.url(), /\/s\/[^/]+\/thanks\?lang=nl$/);
  assert.equal((await page.locator('h1').textContent()).trim(), 'Hartelijk dank!');
  await noHorizontalScroll(page, MOBILE.width);
  await shot(page, 'mobile-thanks');
  expected['after-call'].push({ lang: 'nl', answers: { nps: 5, answered: true, effort: 6, why: 'Sneller terugbellen, graag.' } });
  assertClean(watcher);
});

test('mobile, JavaScript off: the follow-up is always shown with a hint; the server ignores it for a promoter', { timeout: 60_000 }, async (t) => {
  const { page, watcher } = await open(t, { js: false });
  await page.goto(server.url('after-call'));
  const why = page.locator('#q-why');
  assert.ok(await why.isVisible(), '`why` is visible without JavaScript');
  const hint = why.locator('.nojs-hint');
  assert.ok(await hint.isVisible(), 'the hint explains when to skip it');
  assert.match(await hint.textContent(), /hangt af van een eerder antwoord/);
  assert.match(await why.getAttribute('aria-describedby'), /q-why-cond/);
  await noHorizontalScroll(page, MOBILE.width);
  await shot(page, 'nojs-form-empty');

  await choose(page, 'nps', '9');
  await choose(page, 'answered', 'no');
  await choose(page, 'effort', '3');
  await page.locator('textarea[name="q.why"]').fill('Dit hoort niet bewaard te worden.');
  await shot(page, 'nojs-form-filled');
  const post = await submit(page);
  assert.equal(post.status(), 303);
  assert.match(page.url(), /\/thanks\?lang=nl$/);
  assert.equal((await page.locator('h1').textContent()).trim(), 'Hartelijk dank!');
  await shot(page, 'nojs-thanks');
  expected['after-call'].push({ lang: 'nl', answers: { nps: 9, answered: false, effort: 3 } });
  assertClean(watcher);
});

test('language switch NL → EN via the nav, kept on reload by the cookie', { timeout: 60_000 }, async (t) => {
  const { context, page, watcher } = await open(t, { viewport: { width: 1024, height: 768 }, mobile: false });
  await page.goto(server.url('after-call'));
  assert.equal(await page.locator('nav.langs [aria-current]').textContent(), 'NL');
  await shot(page, 'desktop-nl');
  await Promise.all([page.waitForURL(/\?lang=en$/), page.locator('nav.langs a[hreflang=en]').click()]);
  const checkEnglish = async () => {
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('h1').textContent(), 'After your call');
    assert.match(await page.locator('#q-nps legend').textContent(), /^How likely are you to recommend us\? \(required\)/);
    assert.match(await page.locator('#q-answered').textContent(), /Yes[\s\S]*No/);
    assert.equal((await page.locator('button.primary').textContent()).trim(), 'Send');
    assert.equal(await page.locator('nav.langs [aria-current]').textContent(), 'EN');
    assert.equal(await page.locator('input[name=lang]').inputValue(), 'en');
  };
  await checkEnglish();
  await shot(page, 'desktop-en');
  const cookie = (await context.cookies()).find((c) => c.name === 'tevreden_lang');
  assert.equal(cookie?.value, 'en', 'the language cookie is set');
  assert.equal(cookie.httpOnly, true);

  // Reload without ?lang: the browser still says Dutch (Accept-Language), the cookie wins.
  await page.goto(server.url('after-call'));
  await checkEnglish();
  await page.reload();
  await checkEnglish();
  // And back to Dutch.
  await Promise.all([page.waitForURL(/\?lang=nl$/), page.locator('nav.langs a[hreflang=nl]').click()]);
  assert.equal(await page.locator('h1').textContent(), 'Na uw gesprek');
  assertClean(watcher);
});

test('a missing required answer: inline error, summary with links and focus, answers kept', { timeout: 60_000 }, async (t) => {
  const { page, watcher } = await open(t);
  watcher.expectStatus(422);
  await page.goto(server.url('after-call'));
  await choose(page, 'nps', '3');
  await page.locator('textarea[name="q.why"]').fill('Ik moest lang wachten.');
  const post = await submit(page);
  assert.equal(post.status(), 422);
  assert.match(await page.title(), /^Controleer uw antwoorden – /);

  const summary = page.locator('#error-summary');
  assert.ok(await summary.isVisible());
  assert.equal(await summary.getAttribute('role'), 'alert');
  await page.waitForFunction(() => document.activeElement?.id === 'error-summary');
  const links = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, ['#q-answered', '#q-effort'], 'the summary links to the unanswered questions, in order');
  assert.match(await summary.locator('a').first().textContent(), /Is uw vraag beantwoord\? — Beantwoord deze vraag\./);

  for (const q of ['answered', 'effort']) {
    const fs = page.locator(`#q-${q}`);
    assert.match(await fs.getAttribute('class'), /has-error/);
    assert.equal((await fs.locator('p.err').textContent()).trim(), 'Beantwoord deze vraag.');
    assert.match(await fs.getAttribute('aria-describedby'), new RegExp(`q-${q}-err`));
  }
  assert.equal(await page.locator('#q-nps.has-error').count(), 0);
  assert.equal(await page.locator('#q-nps p.err').count(), 0);
  // Values kept, and the follow-up still shown because nps is 3.
  assert.deepEqual(await checked(page, 'nps'), ['3']);
  assert.ok(await page.locator('#q-why').isVisible());
  assert.equal(await page.locator('textarea[name="q.why"]').inputValue(), 'Ik moest lang wachten.');
  await noHorizontalScroll(page, MOBILE.width);
  await shot(page, 'mobile-errors');

  // The summary's links take you to the question.
  await summary.locator('a[href="#q-effort"]').click();
  await page.waitForFunction(() => location.hash === '#q-effort');
  const inView = await page.locator('#q-effort').evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= -1 && r.top < window.innerHeight;
  });
  assert.ok(inView, '#q-effort is scrolled into view');
  await shot(page, 'mobile-errors-after-link');

  await choose(page, 'answered', 'yes');
  await choose(page, 'effort', '2');
  const fixed = await submit(page);
  assert.equal(fixed.status(), 303);
  assert.equal((await page.locator('h1').textContent()).trim(), 'Hartelijk dank!');
  expected['after-call'].push({ lang: 'nl', answers: { nps: 3, answered: true, effort: 2, why: 'Ik moest lang wachten.' } });
  assertClean(watcher);
});

test('two pages: next, previous keeps page 1, the condition across pages, finish', { timeout: 60_000 }, async (t) => {
  const { page, watcher } = await open(t);
  await page.goto(server.url('two-step'));
  assert.equal(await page.locator('.progress').textContent(), 'Pagina 1 van 2');
  assert.equal((await page.locator('button.primary').textContent()).trim(), 'Volgende');
  assert.equal(await page.locator('a.button.secondary').count(), 0, 'no Previous on page 1');
  await choose(page, 'recommend', '4', { touch: true });
  await shot(page, 'two-page-1');

  let res = await submit(page, { touch: true });
  assert.equal(res.status(), 303);
  assert.match(page.url(), /[?&]page=1(&|$)/);
  assert.equal(await page.locator('.progress').textContent(), 'Pagina 2 van 2');
  assert.equal(await page.locator('main h2').textContent(), 'Over uw bezoek');
  assert.equal((await page.locator('button.primary').textContent()).trim(), 'Versturen');
  // The condition refers to page 1, so the server decides: shown, without a no-JS hint.
  assert.ok(await page.locator('#q-improve').isVisible());
  assert.equal(await page.locator('#q-improve .nojs-hint').count(), 0);
  assert.equal(await page.locator('#q-improve[data-show-if]').count(), 0);
  await choose(page, 'topics', 'advice', { touch: true });
  await choose(page, 'topics', 'meter', { touch: true });
  assert.deepEqual(await checked(page, 'topics'), ['advice', 'meter']);
  await noHorizontalScroll(page, MOBILE.width);
  await shot(page, 'two-page-2-detractor');

  const back = page.locator('a.button.secondary');
  assert.equal((await back.textContent()).trim(), 'Vorige');
  await Promise.all([page.waitForURL(/[?&]page=0(&|$)/), back.tap()]);
  assert.equal(await page.locator('.progress').textContent(), 'Pagina 1 van 2');
  assert.deepEqual(await checked(page, 'recommend'), ['4'], 'the answer on page 1 is still checked');
  await shot(page, 'two-page-1-after-previous');

  await choose(page, 'recommend', '8', { touch: true });
  res = await submit(page, { touch: true });
  assert.equal(res.status(), 303);
  assert.equal(await page.locator('.progress').textContent(), 'Pagina 2 van 2');
  assert.equal(await page.locator('#q-improve').count(), 0, 'the follow-up is not shown to a passive');
  // Page 2 was left through the Previous link (a GET), so its choices were never sent; the
  // server may or may not remember them. Choose them again when they are gone.
  if ((await checked(page, 'topics')).length === 0) {
    await choose(page, 'topics', 'advice', { touch: true });
    await choose(page, 'topics', 'meter', { touch: true });
  }
  await shot(page, 'two-page-2-passive');
  res = await submit(page, { touch: true });
  assert.equal(res.status(), 303);
  assert.match(page.url(), /\/thanks\?lang=nl$/);
  assert.equal((await page.locator('h1').textContent()).trim(), 'Hartelijk dank!');
  expected['two-step'].push({ lang: 'nl', answers: { recommend: 8, topics: ['advice', 'meter'] } });
  assertClean(watcher);
});

test('a personal invitation in English: answer once, then "You have already responded"', { timeout: 60_000 }, async (t) => {
  const inv = await server.api('POST', '/surveys/after-call/invitations', { lang: 'en' });
  assert.ok(inv.url.startsWith(`${server.base}/t/`), `invitation url ${inv.url}`);
  // The browser prefers Dutch; the invitation's language wins.
  const { page, watcher } = await open(t);
  watcher.expectStatus(409);
  await page.goto(inv.url);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.locator('h1').textContent(), 'After your call');
  await shot(page, 'invitation-en-form');
  await choose(page, 'nps', '10', { touch: true });
  assert.ok(await page.locator('#q-why').isHidden());
  await choose(page, 'answered', 'yes', { touch: true });
  await choose(page, 'effort', '7', { touch: true });
  const post = await submit(page, { touch: true });
  assert.equal(post.status(), 303);
  assert.ok(page.url().startsWith(`${inv.url}/thanks`), page.url());
  assert.equal((await page.locator('h1').textContent()).trim(), 'Thank you!');
  await shot(page, 'invitation-en-thanks');
  expected['after-call'].push({ lang: 'en', answers: { nps: 10, answered: true, effort: 7 } });

  const again = await page.goto(inv.url);
  assert.equal(again.status(), 409);
  assert.equal((await page.locator('h1').textContent()).trim(), 'You have already responded');
  assert.equal(await page.locator('form').count(), 0);
  await noHorizontalScroll(page, MOBILE.width);
  await shot(page, 'invitation-en-used');
  assertClean(watcher);
});

test('360 px wide: no horizontal scrolling and no console errors on any respondent page', { timeout: 90_000 }, async (t) => {
  const width = 360;
  const { page, watcher } = await open(t, { viewport: { width, height: 740 } });
  watcher.expectStatus(422);
  watcher.expectStatus(404);
  watcher.expectStatus(409);
  const visit = async (url, name) => {
    await page.goto(url);
    await noHorizontalScroll(page, width);
    await shot(page, name);
  };
  await visit(server.url('after-call'), '360-form-nl');
  await visit(server.url('after-call', '?lang=en'), '360-form-en');
  await choose(page, 'nps', '0');
  await page.locator('#q-why').waitFor({ state: 'visible' });
  await page.locator('textarea[name="q.why"]').fill('x'.repeat(300));
  assert.equal((await submit(page)).status(), 422);
  await noHorizontalScroll(page, width);
  await shot(page, '360-errors-en');
  await choose(page, 'answered', 'no');
  await choose(page, 'effort', '1');
  assert.equal((await submit(page)).status(), 303);
  await noHorizontalScroll(page, width);
  await shot(page, '360-thanks-en');
  expected['after-call'].push({ lang: 'en', answers: { nps: 0, answered: false, effort: 1, why: 'x'.repeat(300) } });

  await visit(server.url('two-step', '?lang=nl'), '360-two-page-1');
  await choose(page, 'recommend', '2');
  assert.equal((await submit(page)).status(), 303);
  await noHorizontalScroll(page, width);
  await shot(page, '360-two-page-2');

  const inv = await server.api('POST', '/surveys/after-call/invitations', { lang: 'nl' });
  await visit(inv.url, '360-invitation');
  assert.equal(await page.locator('html').getAttribute('lang'), 'nl');
  await choose(page, 'nps', '7');
  await choose(page, 'answered', 'yes');
  await choose(page, 'effort', '4');
  assert.equal((await submit(page)).status(), 303);
  expected['after-call'].push({ lang: 'nl', answers: { nps: 7, answered: true, effort: 4 } });
  await visit(inv.url, '360-invitation-used');
  await visit(`${server.base}/s/doesnotexist0000`, '360-not-found');
  assert.equal(await page.locator('h1').count(), 1);
  assertClean(watcher);
});

test('the server stored exactly the responses that were sent', { timeout: 30_000 }, async () => {
  for (const key of Object.keys(expected)) {
    const want = expected[key];
    let got = [];
    // Responses are written by a background writer: give it a moment.
    for (let i = 0; i < 50; i++) {
      got = await server.api('GET', `/surveys/${key}/responses?format=json`);
      if (got.length >= want.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(got.length, want.length, `${key}: number of responses`);
    got.forEach((r, i) => {
      const answers = { ...r.answers };
      if (Array.isArray(answers.topics)) answers.topics = [...answers.topics].sort();
      assert.deepEqual(answers, want[i].answers, `${key} response ${i + 1}: answers`);
      assert.equal(r.lang, want[i].lang, `${key} response ${i + 1}: language`);
      assert.equal(r.version, 1);
    });
  }
});
