/**
 * `obs-sse lint` on input that breaks things: a line that never ends (a real /dev/zero, through the
 * compiled CLI, bounded in time), an NDJSON line over `--max-line-bytes` or the config's
 * `maxLineBytes`, and an entry whose checking throws. Each costs an input error naming where it is,
 * never the run, and a throw costs only its own entry.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Run } from '../../src/lint/pipeline';
import type { Finding } from '../../src/lint/types';
import type { Exchange } from '../../src/traffic';
import { runCli } from '../cli/helpers';
import { H } from '../helpers';
import { freshBin } from '../support/dist';

const HOST = 'https://b.obs.cn-north-4.myhuaweicloud.com';
const kmsx = (name: string) => ({ method: 'PUT', url: `${HOST}/${name}`, requestHeaders: [[H.sse, 'KMSX']] });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a line that never ends', () => {
  // Wall-clock bounds only stop a hang from hanging the suite; nothing here asserts a duration.
  const BOUND_MS = 120_000;

  it.each([[[]], [['--jobs', '2']], [['--max-line-bytes', '65536']]])(
    'lint --input ndjson /dev/zero %j ends with exit 2 and names line 1',
    async (extra) => {
      const bin = await freshBin();
      const r = spawnSync(process.execPath, [bin, 'lint', '--input', 'ndjson', ...extra, '/dev/zero'], {
        encoding: 'utf8',
        timeout: BOUND_MS,
      });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(2);
      const cap = extra.includes('--max-line-bytes') ? 65536 : 64 * 1024 * 1024;
      expect(r.stdout).toContain(`line 1: longer than ${cap} bytes; the rest of the input is not read`);
    },
    BOUND_MS + 10_000,
  );
});

describe('the NDJSON line bound', () => {
  const long = {
    ...kmsx('b.bin'),
    requestHeaders: [
      [H.sse, 'KMSX'],
      ['x-pad', 'x'.repeat(5000)],
    ],
  };
  const lines = [kmsx('a.bin'), long, kmsx('c.bin')].map((l) => JSON.stringify(l));

  it('is an input error naming the line; the lines before it are checked', async () => {
    const file = join(dir, 'long.ndjson');
    writeFileSync(file, lines.join('\n'));
    const r = await runCli(['lint', '-f', 'json', '--max-line-bytes', '4096', file]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as {
      findings: { line: number }[];
      inputErrors: { line: number; message: string }[];
    };
    expect(doc.findings.map((f) => f.line)).toEqual([1]);
    expect(doc.inputErrors).toEqual([
      expect.objectContaining({
        line: 2,
        message: 'line 2: longer than 4096 bytes; the rest of the input is not read',
      }),
    ]);
  });

  it('comes from the config file as maxLineBytes, and the flag wins', async () => {
    const file = join(dir, 'long2.ndjson');
    writeFileSync(file, lines.join('\n'));
    writeFileSync(join(dir, 'obs-sse.config.json'), JSON.stringify({ maxLineBytes: 4096 }));
    const fromConfig = await runCli(['lint', '-f', 'json', 'long2.ndjson'], { cwd: dir });
    expect(fromConfig.code).toBe(2);
    const flag = await runCli(['lint', '-f', 'json', '--max-line-bytes', '100000', 'long2.ndjson'], {
      cwd: dir,
    });
    expect(flag.code).toBe(1);
    expect((JSON.parse(flag.stdout) as { findings: unknown[] }).findings).toHaveLength(3);
  });

  it.each(['0', '1.5', 'lots'])('--max-line-bytes %s is a usage error', async (value) => {
    const r = await runCli(['lint', '--max-line-bytes', value, 'x.ndjson']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `--max-line-bytes must be a whole number of bytes, at least 1; got '${value}'`,
    );
  });
});

describe('an entry whose checking throws', () => {
  it('costs that entry only (a PostObject form part with no name), through the CLI', async () => {
    const text =
      '--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--x--\r\n';
    const entry = (e: { method: string; url: string; requestHeaders: string[][]; postData?: unknown }) => ({
      request: {
        method: e.method,
        url: e.url,
        headers: e.requestHeaders.map(([name, value]) => ({ name, value })),
        ...(e.postData ? { postData: e.postData } : {}),
      },
      response: { status: 200, headers: [] },
    });
    const form = {
      method: 'POST',
      url: `${HOST}/`,
      requestHeaders: [['Content-Type', 'multipart/form-data; boundary=x']],
      postData: { mimeType: 'multipart/form-data; boundary=x', text },
    };
    const file = join(dir, 'form.har');
    writeFileSync(
      file,
      JSON.stringify({ log: { version: '1.2', entries: [kmsx('a.bin'), form, kmsx('c.bin')].map(entry) } }),
    );
    const r = await runCli(['lint', '-f', 'json', file]);
    const doc = JSON.parse(r.stdout) as {
      summary: { exchanges: number };
      findings: { entry: number; code: string }[];
      inputErrors: { entry: number | null; message: string }[];
    };
    expect(doc.summary.exchanges).toBe(3);
    expect(doc.findings.filter((f) => f.code === 'value/not-allowed').map((f) => f.entry)).toEqual([0, 2]);
    for (const e of doc.inputErrors) expect(e.entry).toBe(1);
  });

  it('becomes an input error for that entry, and the next entry is still checked', () => {
    const findings: Finding[] = [];
    const run = new Run(
      {},
      {
        exchange: (x) => findings.push(...x.findings),
        inputError() {},
        fileDone() {},
      },
    );
    run.startFile('hostile.ndjson');
    run.setFormat('ndjson');
    const hostile = { entry: 0, method: 'PUT', url: `${HOST}/a.bin` } as Exchange;
    Object.defineProperty(hostile, 'requestHeaders', {
      get() {
        throw new TypeError('a header list that cannot be read');
      },
    });
    const fine: Exchange = {
      entry: 1,
      method: 'PUT',
      url: `${HOST}/b.bin`,
      requestHeaders: [[H.sse, 'KMSX']],
    };
    run.drain([
      { kind: 'exchange', exchange: hostile },
      { kind: 'exchange', exchange: fine },
    ]);
    const result = run.outcome();
    expect(result.inputErrors).toEqual([
      {
        file: 'hostile.ndjson',
        entry: 0,
        line: 1,
        message:
          'line 1: could not be checked (TypeError: a header list that cannot be read); the other exchanges are',
      },
    ]);
    expect(findings.map((f) => [f.entry, f.code])).toEqual([[1, 'value/not-allowed']]);
  });

  it('costs that line only in worker threads too (the compiled CLI, --jobs 2)', async () => {
    const text =
      '--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--x--\r\n';
    const form = {
      method: 'POST',
      url: `${HOST}/`,
      requestHeaders: [['Content-Type', 'multipart/form-data; boundary=x']],
      postData: { mimeType: 'multipart/form-data; boundary=x', text },
    };
    const file = join(dir, 'form.ndjson');
    writeFileSync(file, [kmsx('a.bin'), form, kmsx('c.bin')].map((l) => JSON.stringify(l)).join('\n'));
    const bin = await freshBin();
    const r = spawnSync(process.execPath, [bin, 'lint', '-f', 'json', '--jobs', '2', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const doc = JSON.parse(r.stdout) as {
      summary: { exchanges: number };
      findings: { line: number; code: string }[];
      inputErrors: { line: number | null }[];
    };
    expect(doc.summary.exchanges).toBe(3);
    expect(doc.findings.filter((f) => f.code === 'value/not-allowed').map((f) => f.line)).toEqual([1, 3]);
    for (const e of doc.inputErrors) expect(e.line).toBe(2);
  });
});
