/**
 * Gateway and tracing logs read as they are written, each sniffed from its first line: Kong's log
 * serializer, APISIX's http-logger batches, Envoy JSON access logs in the shape of the shipped config,
 * and OTLP JSON spans. Each fixture holds the same six exchanges as reference.har, and must lint to the
 * same findings. Where the fixtures come from: test/fixtures/traffic/logs/README.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileInput, lint, streamInput, type LintOptions, type LintResult } from '../../src/lint';
import type { TrafficFormat } from '../../src/traffic';

const DIR = join(__dirname, '../fixtures/traffic/logs');
const lintFile = (name: string, options: LintOptions = {}): Promise<LintResult> =>
  lint([fileInput(join(DIR, name), name)], options);
const what = (r: LintResult): string[] =>
  r.findings.map((f) => `${f.operation} ${f.direction} ${f.code} ${f.header ?? ''}`);

let reference: LintResult;
beforeAll(async () => {
  reference = await lintFile('reference.har');
});

it('the reference has findings to compare', () => {
  expect(reference.inputErrors).toEqual([]);
  expect(reference.summary).toMatchObject({ exchanges: 6, checked: 5, skipped: { 'bucket-subresource': 1 } });
  expect(new Set(what(reference))).toEqual(
    new Set([
      'PutObject request value/not-allowed x-obs-server-side-encryption',
      'PutObject request sse-c/incomplete x-obs-server-side-encryption-customer-algorithm',
      'GetObject request header/not-allowed x-obs-server-side-encryption',
    ]),
  );
});

const CASES: [file: string, format: TrafficFormat, options: LintOptions][] = [
  ['kong-file-log.ndjson', 'kong', {}],
  // The gateway is reached over plain HTTP and forwards to OBS over HTTPS; its log cannot say so.
  ['apisix-http-logger.ndjson', 'apisix', { assumeScheme: 'https' }],
  ['envoy-access.ndjson', 'envoy', {}],
  ['otlp-traces.jsonl', 'otlp', {}],
];

describe.each(CASES)('%s', (file, format, options) => {
  it(`is read as ${format}, sniffed, with the findings of the same traffic as HAR`, async () => {
    const r = await lintFile(file, options);
    expect(r.inputErrors).toEqual([]);
    expect(r.files[0]?.format).toBe(format);
    expect(r.summary).toMatchObject({ exchanges: 6, checked: 5, skipped: { 'bucket-subresource': 1 } });
    expect(what(r)).toEqual(what(reference));
  });

  it('is read the same when chosen with --input and piped', async () => {
    const text = readFileSync(join(DIR, file));
    const r = await lint([streamInput(Readable.from([text]))], { ...options, input: format });
    expect(what(r)).toEqual(what(reference));
  });

  it('reports a broken line with its number and the shape it expects, and reads on', async () => {
    const lines = readFileSync(join(DIR, file), 'utf8').trimEnd().split('\n');
    const broken = [lines[0], '{"request": 42, "resourceSpans": "x", "method": 7}', ...lines.slice(1)].join(
      '\n',
    );
    const r = await lint([streamInput(Readable.from([Buffer.from(broken)]))], { ...options, input: format });
    expect(r.inputErrors).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringMatching(/^line 2: /) }),
    ]);
    expect(r.summary.exchanges).toBe(6);
  });
});

it('without the endpoint scheme, a plain-HTTP gateway log gives false transport findings', async () => {
  const r = await lintFile('apisix-http-logger.ndjson');
  expect(what(r).filter((w) => w.includes('transport/https-required')).length).toBeGreaterThan(0);
});
