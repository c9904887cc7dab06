/**
 * Playwright's HAR recorder with Debian's Chromium, in front of the stand-in: a page on a
 * virtual-hosted bucket sends correct and wrong SSE requests with fetch(). The recording is linted as
 * Playwright writes it, `.har` (content embedded) and `.zip` (content attached, the HAR as `har.har`),
 * and must give the findings of the stand-in's own HAR of the same traffic.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, launchChromium } from '../support/chromium';
import { startStandin } from '../../src/standin/server';
import { fileInput, lint, type Finding, type LintResult } from '../../src/lint';
import { trafficSet, TRAFFIC_SET_CODES } from './support/traffic-set';

let dir: string;
const results = new Map<string, LintResult>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-playwright-'));
  const browser = await launchChromium();
  try {
    for (const [name, content] of [
      ['recording.har', 'embed'],
      ['recording.zip', 'attach'],
    ] as const) {
      // One stand-in per recording, whose own HAR is the reference for it.
      const standin = await startStandin({ har: join(dir, `standin-${name}.har`) });
      try {
        const context = await browser.newContext({ recordHar: { path: join(dir, name), content } });
        const page = await context.newPage();
        // The stand-in answers any path; the page's origin is the bucket, so fetch() is same-origin.
        await page.goto(`http://photos.localhost:${standin.port}/`);
        await page.evaluate(async (list) => {
          for (const [method, path, headers] of list) {
            const init: RequestInit = { method, headers };
            if (method === 'PUT') init.body = `body of ${path}`;
            await fetch(path, init);
          }
        }, trafficSet());
        await context.close();
      } finally {
        await standin.close();
      }
    }
  } finally {
    await browser.close();
  }
  const options = { endpoints: ['localhost'], assumeScheme: 'https' as const };
  for (const name of ['recording.har', 'recording.zip']) {
    for (const file of [name, `standin-${name}.har`]) {
      results.set(file, await lint([fileInput(join(dir, file), file)], options));
    }
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const what = (f: Finding): string =>
  `${f.method} ${f.url.replace(/^https?:\/\/[^/]+/, '')} ${f.operation} ${f.direction} ${f.code} ${f.header ?? ''}`;
const result = (name: string): LintResult => {
  const r = results.get(name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
};

it('has Debian Chromium', () => {
  expect(existsSync(CHROMIUM)).toBe(true);
});

it.each(['recording.har', 'recording.zip'])('reads %s as Playwright wrote it', (name) => {
  const r = result(name);
  expect(r.inputErrors).toEqual([]);
  expect(r.files[0]).toMatchObject({
    format: 'har',
    ...(name.endsWith('.zip') ? { container: 'zip har.har' } : {}),
  });
});

it.each(['recording.har', 'recording.zip'])(
  '%s gives the findings of the same traffic as the stand-in saw it',
  (name) => {
    // The page load (GET /, ListObjects) is in both; Chromium's own requests (favicon) are not SSE.
    const ours = result(name).findings.map(what).sort();
    const theirs = result(`standin-${name}.har`).findings.map(what).sort();
    expect(theirs.length).toBeGreaterThanOrEqual(4);
    expect(ours).toEqual(theirs);
    expect(new Set(result(name).findings.map((f) => f.code))).toEqual(new Set(TRAFFIC_SET_CODES));
  },
);
