/**
 * The HTML report (`obs-sse lint --format html`) in a real browser: Debian's headless Chromium
 * (.ci/setup.d/14-chromium.sh) driven by playwright-core. The page must render without console errors
 * or outside requests, show the counts of the json summary, filter its groups table, and hold no key.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { getChecker } from '../../src';
import { runCli } from '../cli/helpers';

const ROOT = join(__dirname, '..', '..');
// The gateway log has real SSE-C keys in it; the recording was made by the real SDK against the stand-in.
const INPUTS = [join(ROOT, 'examples', 'gateway.ndjson'), join(ROOT, 'examples', 'recording.har')];
interface JsonSummary {
  errors: number;
  warnings: number;
  infos: number;
  groups: { code: string; severity: string; count: number }[];
  byCode: { name: string; count: number }[];
  checkedByOperation: { operation: string; sse: string; checked: number; clean: number }[];
}

let dir: string;
let browser: Browser;
let page: Page;
let html: string;
let summary: JsonSummary;
const problems: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-html-'));
  const out = join(dir, 'report.html');
  const r = await runCli(['lint', '--format', 'html', '-o', out, ...INPUTS]);
  expect(r.code).toBe(1);
  html = readFileSync(out, 'utf8');
  summary = (
    JSON.parse((await runCli(['lint', '--format', 'json', ...INPUTS])).stdout) as { summary: JsonSummary }
  ).summary;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(`file://${out}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('renders without console errors and loads nothing but itself', async () => {
  expect(await page.locator('h1').textContent()).toBe('obs-sse lint report');
  expect(problems).toEqual([]);
  expect(requests).toEqual([page.url()]);
  expect(html).not.toMatch(/<(?:script|link|img|iframe)[^>]+(?:src|href)=/i);
  expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
});

it('shows the counts of the json summary', async () => {
  const total = summary.errors + summary.warnings + summary.infos;
  expect(await page.getAttribute('#total-findings', 'data-count')).toBe(String(total));
  expect(await page.locator('#total-findings b').textContent()).toBe(String(total));
  const rows = page.locator('#group-table tr.group');
  const counts = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
  expect(counts).toEqual(summary.groups.map((g) => g.count));
  const bars = await page
    .locator('#chart-code g.bar')
    .evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-name'), Number(e.getAttribute('data-count'))]),
    );
  expect(bars).toEqual(summary.byCode.map((c) => [c.name, c.count]));
  const clean = await page
    .locator('#clean-table tbody tr')
    .evaluateAll((els) =>
      els.map((e) => [
        e.dataset.operation,
        e.dataset.sse,
        Number(e.dataset.checked),
        Number(e.dataset.clean),
      ]),
    );
  expect(clean).toEqual(summary.checkedByOperation.map((c) => [c.operation, c.sse, c.checked, c.clean]));
  // Every code found is explained, with its provenance and examples.
  for (const c of summary.byCode) {
    const article = page.locator(`#code-${c.name.replace(/[^a-z0-9]+/gi, '-')}`);
    expect(await article.locator('h4').first().textContent()).toBe('Where the rule comes from');
    expect(await article.locator('.ex.invalid').count()).toBe(1);
  }
});

it('filters the groups table by text, by severity, and from a chart bar', async () => {
  // The page filters synchronously on each input event, so what is visible can be read right after.
  const visible = () => page.locator('#group-table tr.group:visible').count();
  await page.fill('#filter', 'session/key-mismatch');
  const want = summary.groups.filter((g) => g.code === 'session/key-mismatch');
  expect(want.length).toBeGreaterThan(0);
  expect(await visible()).toBe(want.length);
  expect(await page.locator('#shown').textContent()).toBe(
    `${want.length} of ${summary.groups.length} groups, ${want.reduce((n, g) => n + g.count, 0)} findings`,
  );
  await page.fill('#filter', '');
  await page.selectOption('#severity', 'warning');
  const warnings = summary.groups.filter((g) => g.severity === 'warning');
  expect(await visible()).toBe(warnings.length);
  await page.selectOption('#severity', '');
  await page.click('#chart-code g.bar[data-name="value/not-allowed"]');
  expect(await page.locator('#filter').inputValue()).toBe('value/not-allowed');
  expect(await visible()).toBe(summary.groups.filter((g) => g.code === 'value/not-allowed').length);
});

it("opens a group's redacted example exchange", async () => {
  await page.fill('#filter', '');
  const first = page.locator('#group-table tr.group').first();
  const detail = page.locator(`#${await first.getAttribute('id')}-detail`);
  expect(await detail.isHidden()).toBe(true);
  await first.locator('.toggle').click();
  expect(await detail.isVisible()).toBe(true);
  expect(await detail.locator('pre.exchange').textContent()).toContain('Authorization: [REDACTED]');
  expect(problems).toEqual([]);
});

it('holds no customer key, from the inputs or from the rules’ examples', () => {
  const keys = new Set<string>();
  for (const line of readFileSync(INPUTS[0]!, 'utf8').split('\n')) {
    for (const m of line.matchAll(/customer-key", "([^"]+)"/g)) keys.add(m[1]!);
  }
  for (const def of Object.values(getChecker().rules.codes)) {
    for (const ex of [def.examples.valid, def.examples.invalid]) {
      const pairs = ex ? (Array.isArray(ex.headers) ? ex.headers : Object.entries(ex.headers)) : [];
      for (const [name, value] of pairs) if (/-customer-key$/i.test(name)) keys.add(String(value));
    }
  }
  expect(keys.size).toBeGreaterThan(2);
  for (const key of keys) {
    expect(html).not.toContain(key);
    expect(html).not.toContain(encodeURIComponent(key));
  }
  expect(html).not.toMatch(/Authorization: (?!\[REDACTED\])/);
});
