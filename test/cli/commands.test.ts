/** CLI behaviour that scenario files cannot pin: files written, terminals, environment, every code's explanation. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getChecker } from '../../src';
import { runCli } from './helpers';

const INPUTS = join(__dirname, '..', 'fixtures', 'cli', '_inputs');
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'obs-sse-cli-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('writes the report to --output and nothing to stdout', async () => {
  const r = await runCli(['lint', '-f', 'sarif', '-o', 'report.sarif', join(INPUTS, 'mixed.ndjson')], {
    cwd: dir,
  });
  expect(r).toEqual({ code: 1, stdout: '', stderr: '' });
  expect(JSON.parse(readFileSync(join(dir, 'report.sarif'), 'utf8'))).toMatchObject({ version: '2.1.0' });
  const bad = await runCli(
    ['lint', '-o', join(dir, 'no', 'such', 'dir', 'r.txt'), join(INPUTS, 'clean.ndjson')],
    { cwd: dir },
  );
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^obs-sse: cannot write .*r\.txt: ENOENT\n$/);
});

it('keeps machine formats parseable and says input errors on stderr', async () => {
  const r = await runCli(['lint', '-f', 'json', join(INPUTS, 'broken.ndjson')]);
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout)).toMatchObject({ summary: { inputErrors: 1 } });
  expect(r.stderr).toMatch(/broken\.ndjson: line 2, column 26: invalid JSON/);
});

describe('colour', () => {
  const file = join(INPUTS, 'mixed.ndjson');
  it('is on for a terminal, off for a pipe, and NO_COLOR or --no-color turn it off', async () => {
    expect((await runCli(['lint', file], { tty: true })).stdout).toContain('\u001b[31m');
    expect((await runCli(['lint', file])).stdout).not.toContain('\u001b[');
    expect((await runCli(['lint', file], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(
      '\u001b[',
    );
    expect((await runCli(['lint', '--no-color', file], { tty: true })).stdout).not.toContain('\u001b[');
    expect((await runCli(['lint', '--color', file])).stdout).toContain('\u001b[33m');
  });
});

it('shows progress on a terminal for inputs of several megabytes, and clears it', async () => {
  const line = `${JSON.stringify({ method: 'PUT', url: 'https://b.obs.cn-north-4.myhuaweicloud.com/k', requestHeaders: { 'x-obs-server-side-encryption': 'kms', pad: 'x'.repeat(900) } })}\n`;
  const big = join(dir, 'big.ndjson');
  writeFileSync(big, line.repeat(Math.ceil((9 * 1024 * 1024) / line.length)));
  const tty = await runCli(['lint', '--jobs', '1', big], { tty: true });
  expect(tty.stderr.startsWith('\r\u001b[K')).toBe(true);
  expect(tty.stderr).toMatch(/big\.ndjson: \d+ \/ 9 MB \(\d+%\), \d+ exchanges/);
  expect(tty.stderr.endsWith('\r\u001b[K')).toBe(true);
  expect((await runCli(['lint', '--jobs', '1', big])).stderr).toBe('');
});

it('prints help and the version', async () => {
  expect((await runCli(['--help'])).stdout).toMatch(/^Usage: obs-sse <command>/);
  expect((await runCli(['help', 'check'])).stdout).toMatch(/^Usage: obs-sse check/);
  expect((await runCli(['lint', '--help'])).stdout).toContain('--fail-on error|warning|never');
  const v = await runCli(['--version']);
  expect(v.stdout).toBe(
    `${(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version}\n`,
  );
});

it('refuses bad --jobs and --max-findings values', async () => {
  for (const args of [['--jobs', '0'], ['--jobs', 'two'], ['--max-findings=-1'], ['--max-findings', '1.5']]) {
    const r = await runCli(['lint', ...args, join(INPUTS, 'clean.ndjson')]);
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(r.stderr).toMatch(/^obs-sse: --(jobs|max-findings) must be/);
  }
});

it('explains every code, with the diagnostics its example yields', async () => {
  for (const code of Object.keys(getChecker().rules.codes)) {
    const r = await runCli(['explain', code]);
    expect({ code, exit: r.code }).toEqual({ code, exit: 0 });
    expect(r.stdout.startsWith(`${code}  (`)).toBe(true);
    expect(r.stdout).toContain('Where it comes from:\n  - ');
    // The example must raise the code it explains: a marked line names it.
    expect({
      code,
      marked:
        r.stdout.includes(`  > `) &&
        new RegExp(`^  > \\S+ +${code.replace('/', '\\/')}  `, 'm').test(r.stdout),
    }).toEqual({ code, marked: true });
  }
});

it('lists every code with its severity and provenance, also as JSON', async () => {
  const codes = Object.keys(getChecker().rules.codes);
  const text = (await runCli(['rules'])).stdout;
  for (const code of codes)
    expect(text).toMatch(
      new RegExp(`^${code} +(error|warning|info) +.+ \\[(seed|per-API|SDK source|extension)`, 'm'),
    );
  const list = JSON.parse((await runCli(['rules', '--format', 'json'])).stdout) as {
    code: string;
    provenance: unknown[];
  }[];
  expect(list.map((c) => c.code)).toEqual(codes);
  for (const c of list) expect(c.provenance.length).toBeGreaterThan(0);
});
