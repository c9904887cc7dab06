import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify, parseQuery, resolveTarget } from '../../src/standin/route';
import { startStandin, type Standin } from '../../src/standin/server';
import { harProblems } from '../support/har';
import { TEST_CUSTOMER_KEY, TEST_CUSTOMER_KEY_MD5 } from '../support/sdk';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  standin: { port: number },
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: standin.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const KEY = TEST_CUSTOMER_KEY.toString('base64');
const ssec = (p: string, key = KEY, md5 = TEST_CUSTOMER_KEY_MD5): Record<string, string> => ({
  [`${p}server-side-encryption-customer-algorithm`]: 'AES256',
  [`${p}server-side-encryption-customer-key`]: key,
  [`${p}server-side-encryption-customer-key-MD5`]: md5,
});

describe('addressing and operations', () => {
  it('reads the bucket from the host for {bucket}.localhost and real OBS endpoints, from the path otherwise', () => {
    expect(resolveTarget('bkt.localhost:9000', '/a/b%20c.txt?x', ['localhost'])).toEqual({
      addressing: 'virtual',
      bucket: 'bkt',
      key: 'a/b c.txt',
    });
    expect(resolveTarget('my.bkt.obs.cn-north-4.myhuaweicloud.com', '/', ['localhost'])).toEqual({
      addressing: 'virtual',
      bucket: 'my.bkt',
    });
    expect(resolveTarget('obs.cn-north-4.myhuaweicloud.com', '/bkt/k', [])).toEqual({
      addressing: 'path',
      bucket: 'bkt',
      key: 'k',
    });
    expect(resolveTarget('127.0.0.1:9000', '/bkt/dir/k', ['localhost'])).toEqual({
      addressing: 'path',
      bucket: 'bkt',
      key: 'dir/k',
    });
    expect(resolveTarget('localhost', '/', ['localhost'])).toEqual({ addressing: 'path' });
    expect(resolveTarget('[::1]:9000', '/bkt', ['localhost'])).toEqual({ addressing: 'path', bucket: 'bkt' });
  });

  it('tells the operations apart by method, sub-resource and copy source', () => {
    const t = { addressing: 'path' as const, bucket: 'b', key: 'k' };
    const none = (): undefined => undefined;
    const copy = (n: string): string | undefined => (n === 'x-obs-copy-source' ? 'b/src' : undefined);
    expect(classify('PUT', t, parseQuery('/b/k'), none)).toBe('PutObject');
    expect(classify('PUT', t, parseQuery('/b/k'), copy)).toBe('CopyObject');
    expect(classify('PUT', t, parseQuery('/b/k?partNumber=1&uploadId=U'), none)).toBe('UploadPart');
    expect(classify('PUT', t, parseQuery('/b/k?partNumber=1&uploadId=U'), copy)).toBe('UploadPartCopy');
    expect(classify('POST', t, parseQuery('/b/k?uploads'), none)).toBe('InitiateMultipartUpload');
    expect(classify('POST', t, parseQuery('/b/k?uploadId=U'), none)).toBe('CompleteMultipartUpload');
    expect(classify('POST', t, parseQuery('/b/k?append&position=0'), none)).toBe('AppendObject');
    expect(classify('GET', t, parseQuery('/b/k'), none)).toBe('GetObject');
    expect(classify('GET', t, parseQuery('/b/k?acl'), none)).toBe('ObjectSubresource');
    expect(classify('HEAD', t, parseQuery('/b/k'), none)).toBe('HeadObject');
    expect(classify('PUT', { addressing: 'path', bucket: 'b' }, parseQuery('/b'), none)).toBe('CreateBucket');
    const form = (n: string): string | undefined =>
      n === 'content-type' ? 'multipart/form-data; boundary=x' : undefined;
    expect(classify('POST', { addressing: 'path', bucket: 'b' }, parseQuery('/b'), form)).toBe('PostObject');
    expect(classify('HEAD', { addressing: 'path' }, parseQuery('/?apiversion'), none)).toBe('HeadApiVersion');
  });
});

describe('the stand-in, spoken to directly', () => {
  let standin: Standin;
  beforeAll(async () => {
    standin = await startStandin({ retainLimit: 16 });
  });
  afterAll(() => standin.close());

  it('refuses an SSE-C key whose MD5 does not match with an OBS-style XML 400', async () => {
    const r = await request(
      standin,
      'PUT',
      '/b/md5.bin',
      ssec('x-obs-', KEY, 'AAAAAAAAAAAAAAAAAAAAAA=='),
      'x',
    );
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/xml');
    expect(r.headers['x-obs-error-code']).toBe('InvalidArgument');
    expect(r.headers['x-obs-request-id']).toMatch(/^[0-9A-F]{32}$/);
    expect(r.body).toMatch(
      /^<\?xml[^>]*>\n<Error><Code>InvalidArgument<\/Code><Message>The calculated MD5 hash of the key did not match/,
    );
    expect(r.body).toContain(`<RequestId>${r.headers['x-obs-request-id']}</RequestId>`);
    expect(r.body).not.toContain(KEY);
    expect(standin.store.getObject('b', 'md5.bin')).toBeUndefined();
  });

  it('refuses a key that is not base64', async () => {
    const r = await request(
      standin,
      'PUT',
      '/b/nb64.bin',
      ssec('x-amz-', 'not base64!', 'AAAAAAAAAAAAAAAAAAAAAA=='),
      'x',
    );
    expect([r.status, r.headers['x-amz-error-code']]).toEqual([400, 'InvalidArgument']);
    expect(r.headers['x-obs-error-code']).toBeUndefined();
  });

  it('answers x-amz- requests with x-amz- headers and x-obs- requests with x-obs- headers', async () => {
    const s3 = await request(standin, 'PUT', '/b/s3.bin', { 'x-amz-server-side-encryption': 'aws:kms' }, 'x');
    expect(s3.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(s3.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(standin.kms.defaultKeyId);
    expect(Object.keys(s3.headers).filter((h) => h.startsWith('x-obs-'))).toEqual([]);
    const obs = await request(standin, 'PUT', '/b/obs.bin', { 'x-obs-server-side-encryption': 'kms' }, 'x');
    expect(obs.headers['x-obs-server-side-encryption']).toBe('kms');
    expect(Object.keys(obs.headers).filter((h) => h.startsWith('x-amz-'))).toEqual([]);
  });

  it('applies a bucket default encryption to writes that ask for none, as OBS does', async () => {
    const create = await request(standin, 'PUT', '/enc', {
      'x-obs-server-side-encryption': 'kms',
      'x-obs-server-side-data-encryption': 'SM4',
    });
    expect(create.headers['x-obs-server-side-encryption']).toBe('kms');
    const put = await request(standin, 'PUT', '/enc/o.bin', { 'x-obs-meta-color': 'blue' }, 'x');
    expect(put.headers['x-obs-server-side-encryption']).toBe('kms');
    expect(put.headers['x-obs-server-side-data-encryption']).toBe('SM4');
    const head = await request(standin, 'HEAD', '/enc/o.bin', { 'x-obs-date': 'now' });
    expect(head.headers['x-obs-server-side-encryption']).toBe('kms');
    expect(head.headers['x-obs-meta-color']).toBe('blue');
    const obsBucket = await request(standin, 'PUT', '/enc-obs', { 'x-obs-server-side-encryption': 'obs' });
    expect(obsBucket.headers['x-obs-server-side-encryption']).toBe('obs');
    const put2 = await request(standin, 'PUT', '/enc-obs/o.bin', { 'x-obs-acl': 'private' }, 'x');
    expect(put2.headers['x-obs-server-side-encryption']).toBe('AES256');
  });

  it('reads back SSE-C objects only with the right key', async () => {
    const data = 'sixteen bytes!!!';
    expect((await request(standin, 'PUT', '/b/c.bin', ssec('x-obs-'), data)).status).toBe(200);
    const ok = await request(standin, 'GET', '/b/c.bin', ssec('x-obs-'));
    expect([ok.status, ok.body]).toEqual([200, data]);
    const other = createHash('sha256').update('other').digest();
    const wrong = await request(
      standin,
      'GET',
      '/b/c.bin',
      ssec('x-obs-', other.toString('base64'), createHash('md5').update(other).digest('base64')),
    );
    expect([wrong.status, wrong.headers['x-obs-error-code']]).toEqual([403, 'AccessDenied']);
    const ranged = await request(standin, 'GET', '/b/c.bin', { ...ssec('x-obs-'), Range: 'bytes=4-9' });
    expect([ranged.status, ranged.body, ranged.headers['content-range']]).toEqual([
      206,
      data.slice(4, 10),
      'bytes 4-9/16',
    ]);
  });

  it('hashes but does not keep objects over the retain limit', async () => {
    const data = Buffer.alloc(17, 'z');
    expect((await request(standin, 'PUT', '/b/big.bin', { 'x-obs-acl': 'private' }, data)).status).toBe(200);
    const stored = standin.store.getObject('b', 'big.bin');
    expect(stored).toMatchObject({ size: 17, sha256: createHash('sha256').update(data).digest('hex') });
    expect(stored?.bytes).toBeUndefined();
    expect(
      (await request(standin, 'HEAD', '/b/big.bin', { 'x-obs-acl': 'private' })).headers['content-length'],
    ).toBe('17');
    expect((await request(standin, 'GET', '/b/big.bin', { 'x-obs-acl': 'private' })).status).toBe(501);
  });

  it('checks append positions and returns the next one', async () => {
    const h = { 'x-obs-server-side-encryption': 'AES256' };
    const first = await request(standin, 'POST', '/b/log.txt?append&position=0', h, 'abc');
    expect([first.status, first.headers['x-obs-next-append-position']]).toEqual([200, '3']);
    const wrong = await request(standin, 'POST', '/b/log.txt?append&position=1', h, 'def');
    expect([wrong.status, wrong.headers['x-obs-error-code']]).toEqual([409, 'PositionNotEqualToLength']);
    const next = await request(standin, 'POST', '/b/log.txt?append&position=3', h, 'def');
    expect([next.status, next.headers['x-obs-next-append-position']]).toEqual([200, '6']);
    expect(standin.store.getObject('b', 'log.txt')?.sha256).toBe(
      createHash('sha256').update('abcdef').digest('hex'),
    );
  });

  it('records every exchange with secrets redacted and bodies summarized', () => {
    const e = standin.exchanges.find((x) => x.key === 'md5.bin');
    expect(e).toMatchObject({
      operation: 'PutObject',
      dialect: 'obs',
      addressing: 'path',
      bucket: 'b',
      status: 400,
      errorCode: 'InvalidArgument',
    });
    expect(e?.requestHeaders).toContainEqual(['x-obs-server-side-encryption-customer-key', '[REDACTED]']);
    expect(e?.requestBody).toEqual({ size: 1, sha256: createHash('sha256').update('x').digest('hex') });
    expect(JSON.stringify(standin.exchanges)).not.toContain(KEY);
    expect(standin.exchanges.map((x) => x.id)).toEqual(standin.exchanges.map((_, i) => i + 1));
  });
});

describe('the CLI', () => {
  it('prints its URL, serves, and on SIGTERM stops and completes the HAR file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-cli-'));
    const har = join(dir, 'cli.har');
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), join(__dirname, '../../src/standin/main.ts'), '--port', '0', '--har', har],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const port = Number(new URL(url).port);
      const r = await request({ port }, 'PUT', '/cli/o.txt', ssec('x-obs-'), 'hello');
      expect(r.headers['x-obs-server-side-encryption-customer-key-md5']).toBe(TEST_CUSTOMER_KEY_MD5);
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      const text = readFileSync(har, 'utf8');
      const parsed = JSON.parse(text) as { log: { entries: { request: { url: string } }[] } };
      expect(harProblems(parsed)).toEqual([]);
      expect(parsed.log.entries.map((e) => e.request.url)).toEqual([`http://127.0.0.1:${port}/cli/o.txt`]);
      expect(text).not.toContain(KEY);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad port with usage and exit code 2', async () => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), join(__dirname, '../../src/standin/main.ts'), '--port', 'x'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--port: not a port: x/);
    expect(err).toMatch(/Usage: standin/);
  });
});
