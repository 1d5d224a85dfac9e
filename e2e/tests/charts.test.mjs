// Browser test of the server-rendered charts on a 390 px phone (and a desktop): every chart has
// a visible title, every SVG text is drawn at ≥ 12 px (its font size times the SVG's scale, as
// the browser renders it), and no two texts of a chart overlap or leave it (getBoundingClientRect
// of the real glyphs, in Chromium with Debian's fonts). Pages: the dashboard (trend, distribution,
// breakdown, drivers, importance–performance matrix) with long question texts, the scorecard
// overview with each unit's target, and a unit's scorecard. Screenshots: target/e2e/charts-*.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CSP_LISTENER, SHOT_DIR, Server, cssOverride, launchBrowser, shot, watch } from '../lib/harness.mjs';

const EMAIL = 'charts@e2e.example';
const PASSWORD = 'e2e-charts-password';
let server;
let browser;

before(async () => {
  server = await new Server().start();
  await server.cli('user', 'create', '--org', 'e2e', '--email', EMAIL, '--role', 'admin', '--name', 'Chris Charts', '--password', PASSWORD);
  await server.publish('grafieken', 'charts.yaml');
  const units = [
    ['KS', 'Klantenservice regio Noord-Holland Noord, vestiging Den Helder'],
    ['FIN', 'Financiële administratie en incasso'],
    ['WEB', 'Webcare'],
  ];
  for (const [id, name] of units) await server.api('PUT', `/units/${id}`, { name, office: 'front' });
  // Eight months of answers with a fixed pseudo-random sequence, so every run is alike.
  // mulberry32
  let seed = 11;
  const rnd = (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return Math.floor((((r ^ (r >>> 14)) >>> 0) / 4294967296) * n);
  };
  for (let i = 0; i < 320; i++) {
    const s = rnd(5);
    const answers = {
      nps: Math.min(10, 2 * s + rnd(3)), csat: 1 + Math.min(4, Math.max(0, s - 1 + rnd(3))),
      effort: 1 + Math.min(6, s + rnd(3)), kindness: 1 + Math.min(4, Math.max(0, s - 1 + rnd(3))),
      clarity: 1 + rnd(5),
    };
    const month = String(1 + (i % 8)).padStart(2, '0');
    await server.api('POST', '/surveys/grafieken/responses', {
      answers, submitted_at: `2026-${month}-${String(1 + (i % 27)).padStart(2, '0')}T10:00:00Z`,
      context: { unit: units[i % 3][0] },
    });
  }
  await server.api('PUT', '/indicator', { kind: 'csat', survey: 'grafieken', question: 'csat' });
  await server.api('PUT', '/units/KS/targets/2026', { target: 55 });
  await server.api('PUT', '/units/FIN/targets/2026', { target: 70 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signedIn(t, viewport, locale) {
  const mobile = viewport.width < 500;
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale });
  context.setDefaultTimeout(10_000);
  await context.addInitScript(CSP_LISTENER);
  await cssOverride(context);
  const page = await context.newPage();
  const watcher = watch(page);
  t.after(() => context.close());
  await page.goto(`${server.base}/login`);
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  const loaded = page.waitForEvent('load');
  await page.locator('button.primary').click();
  await loaded;
  return { page, watcher };
}

/**
 * What is wrong with the page's charts, measured in the browser: text rendered below 12 px,
 * texts of one chart whose boxes overlap (more than half a pixel each way) or stick out of the
 * chart, a chart without a visible title. Also returns what was measured.
 */
async function chartProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const charts = [...document.querySelectorAll('svg.chart')];
    let texts = 0;
    let smallest = Infinity;
    for (const svg of charts) {
      const name = svg.getAttribute('class');
      const box = svg.getBoundingClientRect();
      const scale = svg.getScreenCTM().a;
      const title = svg.querySelector('text.chart-title');
      if (!title || title.getBoundingClientRect().width < 1) problems.push(`${name}: no visible title`);
      const boxes = [];
      for (const el of svg.querySelectorAll('text')) {
        const shown = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim();
        if (!shown) continue;
        texts += 1;
        const px = parseFloat(getComputedStyle(el).fontSize) * scale;
        smallest = Math.min(smallest, px);
        if (px < 12 - 1e-6) problems.push(`${name}: "${shown}" is ${px.toFixed(2)} px`);
        const r = el.getBoundingClientRect();
        if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
          problems.push(`${name}: "${shown}" sticks out of the chart`);
        }
        boxes.push([shown, r]);
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, ra] = boxes[i];
          const [b, rb] = boxes[j];
          const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
          const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
          if (w > 0.5 && h > 0.5) problems.push(`${name}: "${a}" overlaps "${b}" (${w.toFixed(1)}×${h.toFixed(1)} px)`);
        }
      }
    }
    return {
      problems, charts: charts.length, texts, smallest,
      widths: charts.map((s) => Math.round(s.getBoundingClientRect().width)),
      pageWidth: document.documentElement.scrollWidth, zoom: visualViewport.scale,
    };
  });
}

const PAGES = [
  ['dashboard', '/app/surveys/grafieken/dashboard?q=nps&period=month&by=unit', 5],
  ['dashboard-csat', '/app/surveys/grafieken/dashboard?q=csat&period=week&by=unit', 5],
  ['scorecards', '/app/scorecards?period=2026', 1],
  ['scorecard-unit', '/app/scorecards/units/FIN?period=2026-Q3', 1],
];

for (const [viewport, locale] of [[{ width: 390, height: 844 }, 'nl-NL'], [{ width: 390, height: 844 }, 'en-GB'], [{ width: 1280, height: 900 }, 'nl-NL']]) {
  test(`charts at ${viewport.width} px (${locale}): titles, ≥ 12 px text, no overlapping labels`, { timeout: 120_000 }, async (t) => {
    const { page, watcher } = await signedIn(t, viewport, locale);
    for (const [name, path, count] of PAGES) {
      await page.goto(`${server.base}${path}`);
      const m = await chartProblems(page);
      assert.ok(m.charts >= count, `${name}: ${m.charts} charts, expected ${count}: ${await page.locator('main').innerText()}`);
      assert.deepEqual(m.problems, [], `${name} at ${viewport.width} px (page ${m.pageWidth} px wide, zoom ${m.zoom}, charts ${m.widths.join('/')} px)`);
      if (viewport.width === 390) {
        assert.ok(m.smallest >= 12, `${name}: smallest text ${m.smallest} px`);
        t.diagnostic(`${name} ${locale}: ${m.charts} charts ${m.widths.join('/')} px wide, ${m.texts} texts, smallest ${m.smallest.toFixed(2)} px`);
      }
      await shot(page, `charts-${name}-${viewport.width}-${locale}`);
      // Each chart on its own, as drawn (target/e2e/charts-svg-*.png).
      const svgs = page.locator('svg.chart');
      for (let i = 0; i < (await svgs.count()); i++) {
        await svgs.nth(i).screenshot({ path: join(SHOT_DIR, `charts-svg-${name}-${viewport.width}-${locale}-${i + 1}.png`) });
      }
    }
    // The scorecard overview marks each unit's target on its bar; the matrix says its scale.
    await page.goto(`${server.base}/app/scorecards?period=2026`);
    assert.equal(await page.locator('svg.chart-bars path.target').count(), 2 * 2 + 2, 'two units with targets (and the legend)');
    await page.goto(`${server.base}${PAGES[0][1]}`);
    const axis = await page.locator('svg.chart-matrix text.axis-label').allTextContents();
    assert.ok(axis.some((a) => a.includes('%')), axis.join(' | '));
    assert.deepEqual(watcher.problems, [], 'console errors, CSP violations or failed requests');
  });
}
