/**
 * Regenerates docs/lint-report.png, the screenshot of the HTML report of examples/recording.har that
 * the README and docs/lint-reports.md show: `npx tsx scripts/report-screenshot.ts`. Needs Debian's
 * chromium (.ci/setup.d/14-chromium.sh).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { run } from '../src/cli/main';

const ROOT = join(__dirname, '..');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'obs-sse-shot-'));
  const report = join(dir, 'report.html');
  try {
    await run(['lint', '--format', 'html', '-o', report, 'examples/recording.har'], {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      cwd: ROOT,
      env: {},
    });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1240 } });
      await page.goto(`file://${report}`);
      await page.locator('#group-table tr.group .toggle').first().click();
      await page.screenshot({ path: join(ROOT, 'docs', 'lint-report.png') });
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
