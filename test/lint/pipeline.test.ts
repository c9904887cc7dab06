/** src/lint: inputs, format detection, counts, findings, input errors and the worker-thread path. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileInput, lint, streamInput, type LintResult } from '../../src/lint';
import { H, md5b64, newKey, ssec } from '../helpers';

const HOST = 'https://photos.obs.cn-north-4.myhuaweicloud.com';
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'obs-sse-lint-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (o: Record<string, unknown>): string => `${JSON.stringify(o)}\n`;
const put = (headers: Record<string, string>, extra: Record<string, unknown> = {}): string =>
  line({
    method: 'PUT',
    url: `${HOST}/a.bin`,
    requestHeaders: headers,
    status: 200,
    responseHeaders: {},
    ...extra,
  });
const stream = (text: string, name = '<stdin>') => streamInput(Readable.from([Buffer.from(text)]), name);
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const har = (entries: unknown[]): string =>
  JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries } });
const harEntry = (method: string, url: string, headers: [string, string][], status = 200) => ({
  request: { method, url, headers: headers.map(([name, value]) => ({ name, value })) },
  response: { status, headers: [] },
});
const codes = (r: LintResult): string[] => r.findings.map((f) => f.code);

it('lints NDJSON from a stream, sniffing the format, with findings located by line', async () => {
  const r = await lint([stream(put({ [H.sse]: 'kms' }) + '\n' + put({ [H.sse]: 'KMS' }))]);
  expect(r.files).toEqual([
    expect.objectContaining({ file: '<stdin>', format: 'ndjson', exchanges: 2, checked: 2, errors: 1 }),
  ]);
  expect(r.findings).toEqual([
    {
      file: '<stdin>',
      entry: 2,
      line: 3,
      operation: 'PutObject',
      direction: 'request',
      code: 'value/not-allowed',
      severity: 'error',
      header: H.sse,
      message: expect.stringContaining('"KMS" is not allowed'),
      method: 'PUT',
      url: `${HOST}/a.bin`,
    },
  ]);
});

it('lints a HAR by file name, with findings located by entry', async () => {
  const p = file(
    't.har',
    har([harEntry('GET', `${HOST}/?acl`, []), harEntry('PUT', `${HOST}/b.bin`, [[H.cAlg, 'AES256']])]),
  );
  const r = await lint([fileInput(p, 't.har')]);
  expect(r.summary).toMatchObject({
    files: 1,
    exchanges: 2,
    checked: 1,
    skipped: { 'bucket-subresource': 1 },
  });
  expect(r.findings.map((f) => [f.entry, f.line, f.code])).toEqual([
    [1, undefined, 'sse-c/incomplete'],
    [1, undefined, 'sse-c/incomplete'],
  ]);
});

it('reads a file whose name says nothing by sniffing, and honours a forced format', async () => {
  const p = file('capture.json', har([harEntry('PUT', `${HOST}/b.bin`, [[H.sse, 'KMS']])]));
  expect(codes(await lint([fileInput(p)]))).toEqual(['value/not-allowed']);
  const forced = await lint([fileInput(p)], { input: 'ndjson' });
  expect(forced.summary.inputErrors).toBeGreaterThan(0);
  const unknown = await lint([stream('hello\n', 'x.txt')]);
  expect(unknown.inputErrors.map((e) => e.message)).toEqual([
    expect.stringContaining('cannot tell whether this is a HAR file, an NDJSON log or a gateway log'),
  ]);
});

it('reports malformed lines with their position and keeps reading', async () => {
  const r = await lint([
    stream(`${put({ [H.sse]: 'KMS' })}{"method": "PUT", "url":\n${put({ [H.sse]: 'aes256' })}`),
  ]);
  expect(r.inputErrors).toEqual([
    expect.objectContaining({
      file: '<stdin>',
      entry: 1,
      line: 2,
      column: expect.any(Number),
      message: expect.stringMatching(/^line 2, column \d+: invalid JSON/),
    }),
  ]);
  expect(r.findings.map((f) => f.line)).toEqual([1, 3]);
});

it('reports a truncated HAR after linting the entries before the damage', async () => {
  const text = har([
    harEntry('PUT', `${HOST}/b.bin`, [[H.sse, 'KMS']]),
    harEntry('PUT', `${HOST}/c.bin`, []),
  ]);
  const r = await lint([fileInput(file('cut.har', text.slice(0, text.length - 30)), 'cut.har')]);
  expect(codes(r)).toEqual(['value/not-allowed']);
  expect(r.inputErrors).toEqual([
    expect.objectContaining({ file: 'cut.har', line: 1, message: expect.stringContaining('truncated') }),
  ]);
});

it('goes on with the next input when one cannot be opened', async () => {
  const ok = file('ok.ndjson', put({ [H.sse]: 'KMS' }));
  const r = await lint([
    fileInput(join(dir, 'missing.ndjson'), 'missing.ndjson'),
    fileInput(ok, 'ok.ndjson'),
    fileInput(dir, 'a-directory'),
  ]);
  expect(r.inputErrors.map((e) => [e.file, e.message])).toEqual([
    ['missing.ndjson', 'cannot read missing.ndjson: no such file'],
    ['a-directory', 'cannot read a-directory: it is a directory'],
  ]);
  expect(r.findings.map((f) => f.file)).toEqual(['ok.ndjson']);
  expect(r.summary).toMatchObject({ files: 3, inputErrors: 2, errors: 1 });
});

it('skips URLs matching --ignore-url globs, by whole URL or by path, and counts them', async () => {
  const text = [
    line({ method: 'PUT', url: `${HOST}/tmp/x.bin`, requestHeaders: { [H.sse]: 'KMS' } }),
    line({ method: 'PUT', url: `${HOST}/keep/x.bin?uploads=1`, requestHeaders: { [H.sse]: 'KMS' } }),
    line({
      method: 'PUT',
      url: 'https://other.obs.cn-north-4.myhuaweicloud.com/x.bin',
      requestHeaders: { [H.sse]: 'KMS' },
    }),
  ].join('');
  const r = await lint([stream(text)], { ignoreUrls: ['/tmp/**', 'https://other.*/**'] });
  expect(r.findings.map((f) => f.line)).toEqual([2]);
  expect(r.summary.skipped).toEqual({ 'ignored-url': 2 });
});

it('applies severity overrides to engine and exchange-level codes', async () => {
  const text =
    put({ [H.sse]: 'KMS' }) +
    line({ method: 'DELETE', url: `${HOST}/a.bin`, requestHeaders: { [H.sse]: 'kms' } });
  const r = await lint([stream(text)], {
    severity: { 'value/not-allowed': 'off', 'operation/unlisted-sse': 'error' },
  });
  expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['operation/unlisted-sse', 'error']]);
  expect(r.summary).toMatchObject({ errors: 1, warnings: 0 });
});

it('counts every finding but keeps at most maxFindings', async () => {
  const r = await lint([stream(put({ [H.sse]: 'KMS' }).repeat(5))], { maxFindings: 2 });
  expect(r.findings).toHaveLength(2);
  expect(r.summary).toMatchObject({ errors: 5, findingsOmitted: 3 });
});

it('redacts credentials in finding URLs and keeps every exchange on request', async () => {
  const text =
    line({
      method: 'PUT',
      url: `${HOST}/a.bin?AccessKeyId=AKID&Signature=SIG123&x-obs-server-side-encryption=KMS`,
      requestHeaders: {},
    }) + line({ method: 'GET', url: `${HOST}/?acl`, requestHeaders: {} });
  const r = await lint([stream(text)], { keepExchanges: true });
  expect(r.findings[0]?.url).toBe(
    `${HOST}/a.bin?AccessKeyId=%5BREDACTED%5D&Signature=%5BREDACTED%5D&x-obs-server-side-encryption=KMS`,
  );
  expect(r.exchanges).toEqual([
    { file: '<stdin>', entry: 0, line: 1, method: 'PUT', url: r.findings[0]?.url, operation: 'PutObject' },
    {
      file: '<stdin>',
      entry: 1,
      line: 2,
      method: 'GET',
      url: `${HOST}/?acl`,
      skipped: { reason: 'bucket-subresource', detail: expect.stringContaining('?acl') },
    },
  ]);
});

it('follows a multipart session across input files, in order', async () => {
  const a = newKey();
  const b = newKey();
  const init = line({
    method: 'POST',
    url: `${HOST}/big.bin?uploads`,
    requestHeaders: ssec(H, a),
    status: 200,
    responseHeaders: { [H.cAlg]: 'AES256', [H.cMd5]: md5b64(a) },
    responseText: '<InitiateMultipartUploadResult><UploadId>U9</UploadId></InitiateMultipartUploadResult>',
  });
  const partB = line({
    method: 'PUT',
    url: `${HOST}/big.bin?partNumber=2&uploadId=U9`,
    requestHeaders: ssec(H, b),
  });
  const r = await lint([stream(init, 'one.ndjson'), stream(partB, 'two.ndjson')]);
  expect(r.findings.map((f) => [f.file, f.code])).toEqual([['two.ndjson', 'session/key-mismatch']]);
});

it('gives the same result with worker threads as in one thread', () => {
  // Batches of 4 KiB: sessions, malformed lines and a very long line cross batch boundaries.
  const key = newKey();
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    if (i % 50 === 7) lines.push('{"method": "PUT", "url": broken');
    else if (i === 123) lines.push('');
    else if (i % 40 === 10) {
      lines.push(
        JSON.stringify({
          method: 'POST',
          url: `${HOST}/mp${i}.bin?uploads`,
          requestHeaders: ssec(H, key),
          status: 200,
          responseHeaders: {},
        }),
      );
    } else if (i % 40 > 10 && i % 40 < 14) {
      const k = i % 40 === 13 ? newKey() : key;
      lines.push(
        JSON.stringify({
          method: 'PUT',
          url: `${HOST}/mp${i - (i % 40) + 10}.bin?partNumber=${i % 40}&uploadId=X${i - (i % 40)}`,
          requestHeaders: ssec(H, k),
        }),
      );
    } else if (i === 300) {
      lines.push(
        JSON.stringify({
          method: 'PUT',
          url: `${HOST}/long.bin`,
          requestHeaders: { [H.sse]: 'KMS', 'x-pad': 'p'.repeat(80_000) },
        }),
      );
    } else {
      lines.push(
        JSON.stringify({
          method: 'PUT',
          url: `${HOST}/o${i}.bin`,
          requestHeaders: { [H.sse]: i % 3 ? 'kms' : 'KMS' },
          status: 200,
          responseHeaders: {},
        }),
      );
    }
  }
  const p = file('parallel.ndjson', lines.join('\n'));
  const child = join(__dirname, 'support', 'lint-child.ts');
  const runWith = (jobs: number): LintResult => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', child, p, String(jobs), '4096'], {
      encoding: 'utf8',
    });
    const { result, workers } = JSON.parse(out) as { result: LintResult; workers: boolean };
    expect(workers).toBe(true);
    return result;
  };
  const one = runWith(1);
  const two = runWith(2);
  expect(one.summary.inputErrors).toBe(8);
  expect(one.findings.some((f) => f.code === 'session/key-mismatch')).toBe(true);
  expect(two).toEqual(one);
});
