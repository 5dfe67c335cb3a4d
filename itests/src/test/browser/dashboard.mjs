// DashboardIT's browser side: Debian's headless chromium, driven by Playwright's core, opens the
// admin listener's dashboard while the test sends traffic, and checks what a person would look at.
// Talks with the test by lines: prints "REDEPLOY" when the page shows the handler with rising
// counts, waits for "GO" on its input (the test has dropped the new version), then waits for the
// redeploy marker, the new version's row and its own line on the rate chart beside the old one's
// (printed as "SERIES <versions of the route's lines>"), saves a screenshot and prints "OK". Any failure: a
// message on stderr, exit status 1. Every wait is bounded.
//
// usage: node dashboard.mjs <admin base URL> <route> <new version> <screenshot.png>
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';

const [base, route, version, screenshot] = process.argv.slice(2);
const WAIT = 30_000;
const lines = createInterface({ input: process.stdin });
const go = new Promise(resolve => lines.on('line', l => { if (l.trim() === 'GO') resolve(); }));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  timeout: WAIT,
});
let status = 1;
let page;
try {
  page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  page.setDefaultTimeout(WAIT);
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(base + '/', { waitUntil: 'load' }); // the listener sends / to the dashboard
  if (!page.url().endsWith('/dashboard/')) {
    throw new Error('/ led to ' + page.url());
  }
  const row = `#handlers tr.handler[data-route="${route}"]`;
  await page.locator(row).first().waitFor();
  const requests = async () => Number(await page.locator(row + ' td.requests').first().textContent());
  const first = await requests();
  await page.waitForFunction(([sel, n]) => {
    const cell = document.querySelector(sel + ' td.requests');
    return cell && Number(cell.textContent) > n;
  }, [row, first], { timeout: WAIT });
  const later = await requests();
  await page.locator('#chart-rate path.series[data-route="' + route + '"]').first().waitFor();
  console.log(`COUNTS ${first} ${later}`);
  console.log('REDEPLOY');
  await Promise.race([go, new Promise((_, fail) => setTimeout(() => fail(new Error('no GO from the test')), WAIT))]);

  const marker = `#chart-rate g.marker.redeployed[data-route="${route}"]`;
  await page.locator(marker).waitFor({ state: 'attached' });
  // the new handler's row, serving: its version, and counts rising again after the redeploy
  await page.waitForFunction(([sel, v]) => [...document.querySelectorAll(sel)].some(tr =>
    tr.children[3].textContent === v && tr.querySelector('.state').textContent === 'ACTIVE'
      && Number(tr.querySelector('td.requests').textContent) > 0), [row, version], { timeout: WAIT });
  // a line per handler: the new version's own, the old one's kept to the left of the marker
  const lines = `#chart-rate path.series[data-route="${route}"]`;
  await page.locator(`${lines}[data-version="${version}"]`).first().waitFor({ state: 'attached' });
  const versions = await page.$$eval(lines, ps => [...new Set(ps.map(p => p.dataset.version))].sort());
  console.log(`SERIES ${versions.join(' ')}`);
  await page.locator('#log span').first().waitFor({ state: 'attached' });
  await page.waitForTimeout(3000); // a few more samples after the marker, for the screenshot's sake
  if (errors.length) {
    throw new Error('errors on the page: ' + errors.join('; '));
  }
  const connections = await page.locator('#connections').textContent();
  console.log(`SHOWN connections=${connections} markers=${await page.locator('#chart-rate g.marker').count()}`);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log('OK');
  status = 0;
} catch (e) {
  console.error('FAIL ' + (e && e.stack || e));
  if (page) {
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-failed.png'), fullPage: true }).catch(() => {});
  }
} finally {
  lines.close();
  await browser.close();
}
process.exit(status);
