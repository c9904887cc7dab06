/**
 * docs/playground.html as committed, opened from disk in headless Chromium with every network request
 * refused: it detects the operation, judges the paste, and explains each diagnostic. It must also be what
 * `npm run playground` builds from the current sources.
 */
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { buildPlayground, PLAYGROUND } from '../../scripts/playground';
import { launchChromium } from '../support/chromium';

jest.setTimeout(120_000);

let browser: Browser;
let page: Page;
const requested: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    requested.push(url);
    return route.abort();
  });
  await page.goto(`file://${PLAYGROUND}`);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await browser?.close();
});

async function paste(text: string): Promise<{ summary: string; codes: string[]; text: string }> {
  await page.fill('#input', text);
  return page.evaluate(() => ({
    summary: document.getElementById('summary')!.innerText,
    codes: [...document.querySelectorAll('#results .code')].map((e) => e.textContent ?? ''),
    text: document.getElementById('results')!.innerText,
  }));
}

test('the committed page is what npm run playground builds now', async () => {
  expect((await buildPlayground()) === fs.readFileSync(PLAYGROUND, 'utf8')).toBe(true);
});

test('a curl PUT with an SSE-C MD5 of another key: PutObject detected, md5-mismatch explained', async () => {
  const r = await paste(
    `curl -X PUT https://bucket.obs.cn-north-4.myhuaweicloud.com/a.txt \\
  -H 'x-obs-server-side-encryption-customer-algorithm: AES256' \\
  -H 'x-obs-server-side-encryption-customer-key: K7QkYpBkM5+hca27fsNkUnNVaobncnLht/rCB2o/9Cw=' \\
  -H 'x-obs-server-side-encryption-customer-key-MD5: 4XvB3tbNTN+tIEVa0/fGaQ=='`,
  );
  expect(r.summary).toContain('PutObject (detected from PUT');
  expect(r.summary).toContain('Invalid');
  expect(r.codes).toEqual(['sse-c/md5-mismatch']);
  expect(r.text).toContain('OBS recomputes the MD5 of the key');
  // The key itself is never echoed in the verdict.
  expect(r.text + r.summary).not.toContain('K7QkYpBkM5');
});

test('header lines with a misspelt name and value: did-you-mean for both', async () => {
  const r = await paste(
    'PUT /bucket/k HTTP/1.1\nHost: obs.cn-north-4.myhuaweicloud.com\nx-obs-server-side-encryption: KMS\nx-obs-server-side-encryption-kms-keyid: k1',
  );
  expect(r.text).toContain('Did you mean kms?');
  expect(r.text).toContain('Did you mean x-obs-server-side-encryption-kms-key-id?');
});

test('a HAR entry: response headers judged when asked, operation picked by hand', async () => {
  await page.selectOption('#operation', 'GetObject');
  await page.selectOption('#direction', 'response');
  const entry = {
    request: { method: 'GET', url: 'https://b.obs.example.com/k', headers: [] },
    response: { headers: [{ name: 'x-obs-server-side-encryption-customer-key', value: 'secret' }] },
  };
  const r = await paste(JSON.stringify({ log: { entries: [entry] } }));
  expect(r.summary).toContain('GetObject (picked)');
  expect(r.codes).toContain('sse-c/key-in-response');
  await page.selectOption('#operation', 'detect');
  await page.selectOption('#direction', 'auto');
});

test('nothing was fetched: the page works offline', () => {
  expect(requested).toEqual([]);
});
