/**
 * A real nginx (Debian's) in front of the stand-in, logging with the shipped docs/nginx/obs-sse.conf,
 * while the official SDK runs its scenarios (correct and wrong) through it. The nginx log is linted as
 * it is, sniffed from its first line, and must give the findings the stand-in's HAR of the same traffic
 * gives, without a customer key in the log.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin } from '../../src/standin/server';
import { fileInput, lint, type Finding, type LintResult } from '../../src/lint';
import { ALL_CUSTOMER_KEYS_B64, runScenarios } from '../support/sdk';
import { removeNginxDir, startNginx, type Nginx } from '../support/nginx';

let dir: string;
let nginx: Nginx;
let logText: string;
let fromLog: LintResult;
let fromHar: LintResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-nginx-lint-'));
  const harFile = join(dir, 'standin.har');
  const standin = await startStandin({ har: harFile });
  try {
    nginx = await startNginx(standin.port);
    try {
      await runScenarios({ port: nginx.port, mode: 'obs' });
    } finally {
      await nginx.stop();
    }
  } finally {
    await standin.close();
  }
  logText = readFileSync(nginx.log, 'utf8');
  // The bucket is virtual-hosted under localhost, as the SDK addresses it. The traffic is plain HTTP:
  // judging it as HTTPS keeps transport/https-required from hiding the other findings.
  const options = { endpoints: ['localhost'], assumeScheme: 'https' as const };
  fromLog = await lint([fileInput(nginx.log, 'access.log')], options);
  fromHar = await lint([fileInput(harFile, 'standin.har')], options);
}, 120_000);
afterAll(() => {
  if (nginx) removeNginxDir(nginx);
  rmSync(dir, { recursive: true, force: true });
});

/** A finding without where it was found: what to compare between two recordings of one traffic. */
const what = (f: Finding): string =>
  `${f.method} ${f.url.replace(/^https?:\/\/[^/]+/, '')} ${f.operation} ${f.direction} ${f.code} ${f.header ?? ''}`;

it('reads the log with no input errors, sniffed as nginx, and checks what the HAR checks', () => {
  expect(fromLog.inputErrors).toEqual([]);
  expect(fromHar.inputErrors).toEqual([]);
  expect(fromLog.files[0]?.format).toBe('nginx');
  expect(fromLog.summary.exchanges).toBe(fromHar.summary.exchanges);
  expect(fromLog.summary.exchanges).toBeGreaterThan(20);
  // PostObject carries its SSE settings in the form body, which an access log does not hold: those
  // exchanges are skipped, not passed as clean.
  const posts = fromLog.summary.skipped['no-request-body'] ?? 0;
  expect(posts).toBeGreaterThan(0);
  expect(fromLog.summary.checked + posts).toBe(fromHar.summary.checked);
  expect({ ...fromLog.summary.skipped, 'no-request-body': undefined }).toEqual({
    ...fromHar.summary.skipped,
    'no-request-body': undefined,
  });
});

it('gives the findings the HAR of the same traffic gives, PostObject aside', () => {
  const har = fromHar.findings.filter((f) => f.operation !== 'PostObject');
  expect(har.length).toBeGreaterThan(5);
  expect(fromLog.findings.map(what).sort()).toEqual(har.map(what).sort());
});

it('keeps customer keys out of the log, and says they were sent', () => {
  for (const key of ALL_CUSTOMER_KEYS_B64) expect(logText).not.toContain(key);
  expect(logText).toContain('"http_x_obs_server_side_encryption_customer_key":"[REDACTED]"');
});
