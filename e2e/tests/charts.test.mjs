// The dashboard and scorecard charts as people see them, on a desktop and a 390 px phone:
// every chart has a visible title, no chart text is drawn smaller than 12 px, and no two texts
// of a chart overlap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launchBrowser, shot } from '../lib/harness.mjs';

const EMAIL = 'charts@e2e.example';
const PASSWORD = 'e2e-charts-password';
let server;
let browser;

before(async () => {
  server = await new Server().start();
  await server.cli('user', 'create', '--org', 'e2e', '--email', EMAIL, '--role', 'admin', '--name', 'Carla Chart', '--password', PASSWORD);
  await server.publish('results', 'results.yaml');
  await server.api('PUT', '/units/SC', { name: 'Klantenservice regio Noord-Holland Noord, vestiging Den Helder', office: 'front' });
  await server.api('PUT', '/units/WEB', { name: 'Web', office: 'front' });
  await server.api('PUT', '/indicator', { kind: 'nps', survey: 'results', question: 'nps' });
  await server.api('PUT', '/units/SC/targets/2026', { target: 40 });
  await server.api('PUT', '/units/WEB/targets/2026', { target: 10 });
  for (let i = 0; i < 120; i++) {
    await server.api('POST', '/surveys/results/responses', {
      answers: { nps: (i * 7) % 11, csat: 1 + (i % 5), wait: 1 + ((i * 3) % 5), kindness: 1 + ((i * 7) % 5) },
      submitted_at: `2026-${String(1 + (i % 11)).padStart(2, '0')}-1${i % 9}T10:00:00Z`,
      context: { unit: i % 3 ? 'SC' : 'WEB' },
    });
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Per chart on the page: its title text, the smallest rendered font size, overlapping texts. */
async function inspect(page) {
  return page.evaluate(() => [...document.querySelectorAll('svg.chart')].map((svg) => {
    const texts = [...svg.querySelectorAll('text')].filter((t) => t.textContent.trim() !== '');
    const scale = svg.getScreenCTM().a;
    const sizes = texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
    const boxes = texts.map((t) => ({ text: t.textContent.trim(), r: t.getBoundingClientRect() }));
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r;
        const b = boxes[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) overlaps.push(`${boxes[i].text} × ${boxes[j].text}`);
      }
    }
    const title = svg.querySelector('.chart-title');
    const smallest = texts[sizes.indexOf(Math.min(...sizes))];
    return {
      id: svg.getAttribute('aria-labelledby'),
      title: title ? title.textContent.trim() : null,
      min: Math.min(...sizes),
      smallest: smallest ? smallest.textContent.trim() : '',
      overlaps,
      width: svg.getBoundingClientRect().width,
    };
  }));
}

test('charts have visible titles, text of at least 12 px and no overlapping labels, desktop and phone', { timeout: 300_000 }, async () => {
  const problems = [];
  for (const [label, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const context = await browser.newContext({ viewport, locale: 'nl-NL', isMobile: label === 'phone', hasTouch: label === 'phone' });
    const page = await context.newPage();
    await page.goto(`${server.base}/login`);
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForEvent('load'), page.locator('button.primary').click()]);
    for (const path of ['/app/surveys/results/dashboard', '/app/surveys/results/dashboard?q=csat&by=unit', '/app/scorecards?period=2026', '/app/scorecards/units/SC?period=2026']) {
      await page.goto(`${server.base}${path}`);
      await shot(page, `charts-${label}-${path.replace(/[^a-z0-9]+/gi, '-')}`);
      const charts = await inspect(page);
      assert.ok(charts.length > 0, `${path}: charts on the page`);
      for (const c of charts) {
        console.log(`${label.padEnd(8)}${c.width.toFixed(0).padStart(5)} px  min ${c.min.toFixed(1)} px  ${c.overlaps.length} overlaps  ${path} ${c.id}`);
        if (!c.title) problems.push(`${label} ${path} ${c.id}: no visible title`);
        if (c.min < 12) problems.push(`${label} ${path} ${c.id}: text of ${c.min.toFixed(1)} px (“${c.smallest}”)`);
        if (c.overlaps.length) problems.push(`${label} ${path} ${c.id}: overlapping ${c.overlaps.join('; ')}`);
      }
    }
    await context.close();
  }
  assert.deepEqual(problems, []);
});
