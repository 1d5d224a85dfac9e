// axe-core over every admin page (and the respondent pages) on a desktop and a 390 px phone, in
// Dutch: no serious or critical violation anywhere, and no page wider than the phone. Prints a
// table of the violation counts per page (all impacts), for the record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Server, launchBrowser, shot } from '../lib/harness.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const EMAIL = 'axe@e2e.example';
const PASSWORD = 'e2e-axe-password';
let server;
let browser;

before(async () => {
  server = await new Server().start();
  await server.cli('user', 'create', '--org', 'e2e', '--email', EMAIL, '--role', 'admin', '--name', 'Anna Axe', '--password', PASSWORD);
  await server.publish('results', 'results.yaml');
  await server.api('PUT', '/units/SC', { name: 'Service centre', office: 'front' });
  await server.api('PUT', '/employees/E1', { name: 'Sanne de Vries', unit: 'SC', customer_facing: true });
  await server.api('PUT', '/contacts/C1', { attributes: { segment: 'zakelijk' } });
  await server.api('PUT', '/indicator', { kind: 'nps', survey: 'results', question: 'nps' });
  // A target the unit misses, so the scorecards show the "below target" badge.
  await server.api('PUT', '/units/SC/targets/2026', { target: 80 });
  for (let i = 0; i < 40; i++) {
    await server.api('POST', '/surveys/results/responses', {
      answers: { nps: i % 11, csat: 1 + (i % 5), wait: 1 + ((i * 3) % 5), kindness: 1 + ((i * 7) % 5), why: i % 4 ? undefined : 'Vriendelijk geholpen' },
      submitted_at: `2026-0${1 + (i % 4)}-1${i % 9}T10:00:00Z`,
      context: { unit: 'SC', contact: 'C1' },
    });
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const ADMIN_PAGES = [
  '/app/surveys', '/app/surveys/new', '/app/surveys/results/edit', '/app/surveys/results/publish',
  '/app/surveys/results/responses', '/app/surveys/results/dashboard', '/app/results',
  '/app/results/attributes', '/app/results/themes', '/app/scorecards?period=2026', '/app/scorecards/settings',
  '/app/scorecards/units/SC?period=2026', '/app/organisation', '/app/organisation/units/SC',
  '/app/organisation/employees', '/app/organisation/employees/E1', '/app/organisation/contacts',
  '/app/organisation/contacts/C1', '/app/organisation/touchpoints', '/app/organisation/import',
  '/app/people', '/app/tokens', '/app/audit', '/app/settings', '/app/bestaat-niet',
];

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target?.join(' ') }));
  });
}

test('axe-core: no serious or critical violations on any admin or respondent page, desktop and phone', { timeout: 600_000 }, async () => {
  const rows = [];
  const bad = [];
  for (const [label, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    // bypassCSP only so that axe itself can be injected; the pages are otherwise as served.
    const context = await browser.newContext({ viewport, locale: 'nl-NL', bypassCSP: true, isMobile: label === 'phone', hasTouch: label === 'phone' });
    const page = await context.newPage();
    await page.goto(`${server.base}/login`);
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForEvent('load'), page.locator('button.primary').click()]);
    // The people page links to the admin's own page, which lists its id.
    const pages = [...ADMIN_PAGES];
    await page.goto(`${server.base}/app/people`);
    const own = await page.locator('a[href^="/app/people/"]').first().getAttribute('href');
    pages.push(own);
    pages.push(server.surveys['after-call'], server.surveys['two-step'], `${server.surveys['after-call']}/privacy`);
    for (const path of pages) {
      await page.goto(`${server.base}${path}`);
      const violations = await axe(page);
      const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      const width = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
      rows.push({ view: label, path, violations: violations.length, serious: serious.length, width });
      for (const v of serious) bad.push(`${label} ${path}: ${v.id} (${v.impact}, ${v.nodes} nodes, e.g. ${v.target})`);
      if (label === 'phone' && width > viewport.width) bad.push(`${label} ${path}: the page is ${width}px wide at ${viewport.width}px`);
    }
    await shot(page, `axe-${label}-last`);
    await context.close();
  }
  console.log(['view    violations serious width path', ...rows.map((r) => `${r.view.padEnd(8)}${String(r.violations).padStart(10)}${String(r.serious).padStart(8)}${String(r.width).padStart(6)} ${r.path}`)].join('\n'));
  assert.deepEqual(bad, [], 'serious or critical accessibility problems');
});
