/**
 * What the stand-in serves for the S3 clients of test/clients: aws-chunked bodies (boto3 1.36 and later),
 * CompleteMultipartUpload bodies whose ETags escape their quotes numerically (Go's encoder, rclone), and an
 * object's (empty) tag set (awscli's multipart copy reads it).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';

import { awsChunkedDecoder } from '../../src/standin/aws-chunked';
import { startStandin, type Standin } from '../../src/standin/server';
import { parseCompleteParts } from '../../src/standin/xml';

let standin: Standin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(() => standin.close());

async function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
) {
  const r = await request(`${standin.url}${path}`, { method, headers, body });
  const etag = r.headers.etag;
  return {
    status: r.statusCode,
    body: await r.body.text(),
    etag: typeof etag === 'string' ? etag : undefined,
  };
}

const chunked = (data: string): string =>
  `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n`;

describe('aws-chunked bodies', () => {
  test('are stored decoded, trailers dropped', async () => {
    const body = chunked('hello world');
    const put = await send(
      'PUT',
      '/chunky/a',
      {
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': '11',
        'content-length': String(body.length),
      },
      body,
    );
    expect(put.status).toBe(200);
    expect((await send('GET', '/chunky/a')).body).toBe('hello world');
    expect(put.etag).toBe(`"${createHash('md5').update('hello world').digest('hex')}"`);
  });

  test('the decoder reads chunks split anywhere, with signature extensions', async () => {
    const wire = Buffer.from(
      `5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0;chunk-signature=def\r\n\r\n`,
    );
    const pieces = [...wire].map((b) => Buffer.from([b]));
    const out: Buffer[] = [];
    for await (const c of Readable.from(pieces).pipe(awsChunkedDecoder())) out.push(c as Buffer);
    expect(Buffer.concat(out).toString()).toBe('hello world');
  });

  test.each([
    ['a size that is not hex', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['an endless size line', 'f'.repeat(5000)],
  ])('a malformed body fails with an error naming the problem: %s', async (_name, wire) => {
    await expect(
      (async () => {
        for await (const _ of Readable.from([Buffer.from(wire)]).pipe(awsChunkedDecoder())) void _;
      })(),
    ).rejects.toThrow(/aws-chunked: (bad chunk size|chunk-size line too long)/);
  });
});

test('CompleteMultipartUpload ETags with numeric character references (rclone’s Go encoder)', () => {
  expect(
    parseCompleteParts(
      '<CompleteMultipartUpload><Part><ETag>&#34;abc&#34;</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>',
    ),
  ).toEqual([{ partNumber: 1, etag: '"abc"' }]);
});

test('GET ?tagging of an object answers an empty tag set', async () => {
  await send('PUT', '/tags/o', {}, 'x');
  const r = await send('GET', '/tags/o?tagging');
  expect(r.status).toBe(200);
  expect(r.body).toMatch(/<Tagging [^>]*><TagSet><\/TagSet><\/Tagging>/);
});
