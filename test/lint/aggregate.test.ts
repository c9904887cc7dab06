/**
 * The aggregate view (src/lint/aggregate.ts, client.ts, example.ts): findings grouped by code ×
 * operation × client × bucket, with counts, first and last place, one redacted example, bounded groups;
 * and `--format summary`.
 */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { summary } from '../../src/formatters';
import { clientOf, lint, streamInput } from '../../src/lint';
import { Aggregator } from '../../src/lint/aggregate';
import { H, md5b64, newKey } from '../helpers';
import { runCli } from '../cli/helpers';

describe('clientOf', () => {
  it.each([
    ['aws-sdk-js/3.540.0 ua/2.0 os/linux#6.1.0 lang/js md/nodejs#20.11.0 api/s3#3.540.0', 'aws-sdk-js/3.x'],
    ['obs-sdk-js/3.26.8', 'obs-sdk-js/3.26.8'],
    ['obs-sdk-js/3.26.8 (Linux; x64) ', 'obs-sdk-js/3.26.8'],
    ['obs-sdk-go/3.23.12', 'obs-sdk-go/3.23.12'],
    [
      'Boto3/1.26.137 md/Botocore#1.29.137 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.4 Botocore/1.29.137',
      'Boto3/1.26',
    ],
    ['aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0', 'aws-cli/2.15'],
    ['curl/8.5.0', 'curl/8.5'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'Chrome/120.0',
    ],
    [undefined, '(no User-Agent)'],
    ['   ', '(no User-Agent)'],
    ['some uploader', 'some uploader'],
  ])('%s → %s', (ua, client) => {
    expect(clientOf(ua)).toBe(client);
  });
});

const HOST = (bucket: string) => `https://${bucket}.obs.cn-north-4.myhuaweicloud.com`;
const KEY = newKey();
const UA = {
  obs: 'obs-sdk-js/3.26.8',
  aws: 'aws-sdk-js/3.540.0 ua/2.0 os/linux#6.1.0 lang/js md/nodejs#20.11.0 api/s3#3.540.0',
  boto: 'Boto3/1.26.137 md/Botocore#1.29.137 ua/2.0 os/linux#6.1.0',
};

function exchange(i: number, ua: string, bucket: string, sse: Record<string, string>) {
  return JSON.stringify({
    startedDateTime: new Date(Date.UTC(2024, 4, 6, 8, i)).toISOString(),
    method: 'PUT',
    url: `${HOST(bucket)}/o${i}?AccessKeyId=AKID&Signature=SECRETSIG`,
    requestHeaders: [['User-Agent', ua], ['Authorization', 'OBS AKID:c2ln'], ...Object.entries(sse)],
    status: 200,
    responseHeaders: [],
  });
}

const ssecWrongMd5 = {
  [H.cAlg]: 'AES256',
  [H.cKey]: KEY,
  [H.cMd5]: md5b64(newKey()),
  // A key pasted into a header of its own: no report may show it either.
  'x-debug-copy': KEY,
};

const lines = [
  exchange(0, UA.obs, 'photos', { [H.sse]: 'KMS' }),
  exchange(1, UA.aws, 'photos', { [H.sse]: 'KMS' }),
  exchange(2, UA.obs, 'photos', { [H.sse]: 'kms' }),
  exchange(3, UA.obs, 'photos', { [H.sse]: 'KMS' }),
  exchange(4, UA.boto, 'logs', ssecWrongMd5),
  exchange(5, UA.obs, 'photos', { [H.sse]: 'KMS' }),
].join('\n');

const input = (text: string, name = 'gw.ndjson') => streamInput(Readable.from([Buffer.from(text)]), name);

it('groups findings by code, operation, client and bucket, largest first, with first and last place', async () => {
  const r = await lint([input(lines)]);
  const a = r.aggregate!;
  const brief = a.groups.map((g) => [g.count, g.code, g.operation, g.client, g.bucket]);
  expect(brief).toEqual([
    [3, 'value/not-allowed', 'PutObject', 'obs-sdk-js/3.26.8', 'photos'],
    [1, 'value/not-allowed', 'PutObject', 'aws-sdk-js/3.x', 'photos'],
    [1, 'sse-c/md5-mismatch', 'PutObject', 'Boto3/1.26', 'logs'],
  ]);
  const top = a.groups[0]!;
  expect(top.first).toEqual({ file: 'gw.ndjson', entry: 0, line: 1, time: '2024-05-06T08:00:00.000Z' });
  expect(top.last).toEqual({ file: 'gw.ndjson', entry: 5, line: 6, time: '2024-05-06T08:05:00.000Z' });
  // The example is the group's first exchange, redacted.
  expect(top.example?.url).toBe(`${HOST('photos')}/o0?AccessKeyId=%5BREDACTED%5D&Signature=%5BREDACTED%5D`);
  expect(top.example?.requestHeaders).toContainEqual(['Authorization', '[REDACTED]']);
  expect(a.byClient).toEqual([
    { name: 'obs-sdk-js/3.26.8', count: 3 },
    { name: 'aws-sdk-js/3.x', count: 1 },
    { name: 'Boto3/1.26', count: 1 },
  ]);
  expect(a.byCode).toEqual([
    { name: 'value/not-allowed', count: 4 },
    { name: 'sse-c/md5-mismatch', count: 1 },
  ]);
  expect(a.timeline?.counts.reduce((x, y) => x + y, 0)).toBe(5);
  expect(a.checked).toEqual([
    { operation: 'PutObject', sse: 'SSE-C', checked: 1, clean: 0 },
    { operation: 'PutObject', sse: 'SSE-KMS', checked: 1, clean: 1 },
    { operation: 'PutObject', sse: 'none', checked: 4, clean: 0 },
  ]);
  const text = JSON.stringify(a);
  expect(text).not.toContain(KEY);
  expect(text).not.toContain('SECRETSIG');
  expect(text).not.toContain('c2ln');
});

it('bounds the groups: past maxGroups, findings go to one overflow group per code, counts stay exact', async () => {
  const many = Array.from({ length: 30 }, (_, i) => exchange(i, UA.obs, `b${i}`, { [H.sse]: 'KMS' }));
  const r = await lint([input(many.join('\n'))], { maxGroups: 10 });
  const a = r.aggregate!;
  expect(a.groups).toHaveLength(11);
  expect(a.overflowFindings).toBe(20);
  const overflow = a.groups.find((g) => g.overflow)!;
  expect(overflow).toMatchObject({ code: 'value/not-allowed', count: 20, operation: null, bucket: null });
  expect(overflow.first.entry).toBe(10);
  expect(overflow.example).toBeUndefined();
  expect(a.groups.reduce((n, g) => n + g.count, 0)).toBe(30);
  expect(a.byBucket).toHaveLength(30);
});

it('prints the summary format: groups, tallies, clean panel and redacted examples', async () => {
  const text = summary(await lint([input(lines)]));
  expect(text).toMatch(/^5 problems \(5 errors, 0 warnings\) in 6 exchanges/);
  expect(text).toMatch(
    /\n +3 +error +value\/not-allowed +PutObject +obs-sdk-js\/3\.26\.8 +photos +gw\.ndjson line 1 \(2024-05-06T08:00:00\.000Z\) +gw\.ndjson line 6/,
  );
  expect(text).toContain('By client:');
  expect(text).toMatch(
    /Checked and clean, by operation and SSE mode:\n +checked +clean +operation +sse\n +1 +0 +PutObject +SSE-C/,
  );
  expect(text).toContain('Example of value/not-allowed  PutObject  obs-sdk-js/3.26.8  photos');
  expect(text).toContain('Authorization: [REDACTED]');
  expect(text).not.toContain(KEY);
});

it('is a --format of obs-sse lint, and json carries the same groups in its summary', async () => {
  const cli = await runCli(['lint', '-f', 'summary', '-'], { stdin: lines });
  expect(cli.code).toBe(1);
  expect(cli.stdout).toContain('Findings by code × operation × client × bucket (3 groups):');
  const doc = JSON.parse((await runCli(['lint', '-f', 'json', '-'], { stdin: lines })).stdout) as {
    summary: { groups: { count: number }[]; byClient: unknown[] };
  };
  expect(doc.summary.groups.map((g) => g.count)).toEqual([3, 1, 1]);
  expect(doc.summary.byClient).toHaveLength(3);
  expect(cli.stdout + JSON.stringify(doc)).not.toContain(KEY);
});

describe('hostile input', () => {
  it('any User-Agent reduces to a short client without a key-like run, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.constant(`obs-sdk-js/${KEY}`)), (ua) => {
        const client = clientOf(ua);
        expect(client.length).toBeLessThanOrEqual(100);
        // eslint-disable-next-line no-control-regex
        expect(client).not.toMatch(/[\u0000-\u001f]/);
      }),
      { numRuns: 500 },
    );
  });

  it('any timestamps fit the timeline: at most 96 bins, every finding counted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { minLength: 1, maxLength: 40 }),
        (times) => {
          const agg = new Aggregator();
          const f = {
            file: 'f',
            entry: 0,
            direction: 'request',
            code: 'c',
            severity: 'error',
            message: 'm',
            method: 'PUT',
            url: '/',
          } as const;
          times.forEach((ms, entry) =>
            agg.add({ file: 'f', entry, method: 'PUT', url: '/' }, [{ ...f, entry }], {
              client: 'x',
              bucket: 'b',
              sse: 'none',
              time: new Date(ms).toISOString(),
            }),
          );
          const t = agg.result().timeline!;
          expect(t.counts.length).toBeLessThanOrEqual(96);
          expect(t.counts.reduce((a, b) => a + b, 0)).toBe(times.length);
          expect(Date.parse(t.start)).toBeLessThanOrEqual(Math.min(...times));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the text summary of a report with a key-bearing User-Agent and bucket holds no key', async () => {
    const line = exchange(0, `uploader ${KEY}`, 'photos', { [H.sse]: 'KMS' });
    const text = summary(await lint([input(line)]));
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(KEY);
  });
});

it('gives every group of the example gateway log an example, session codes included', async () => {
  const { fileInput } = await import('../../src/lint');
  const r = await lint([fileInput(`${__dirname}/../../examples/gateway.ndjson`, 'gateway.ndjson')]);
  const groups = r.aggregate!.groups;
  expect(groups.map((g) => g.code)).toContain('session/key-mismatch');
  for (const g of groups) expect([g.code, g.example?.method]).toEqual([g.code, expect.any(String)]);
});
