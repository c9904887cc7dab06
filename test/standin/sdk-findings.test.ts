/**
 * Behaviour of the official SDK (esdk-obs-nodejs 3.26.x) that docs/sdk-notes.md reports, each shown
 * against the stand-in or a minimal local server. Key material only ever appears in booleans here,
 * so a failing assertion cannot print a key.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin } from '../../src/standin/server';
import { openSdk, postObject, runScenarios, TEST_CUSTOMER_KEY, TEST_CUSTOMER_KEY_MD5 } from '../support/sdk';

const KEY = TEST_CUSTOMER_KEY.toString('base64');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkVersion = (require('esdk-obs-nodejs/package.json') as { version: string }).version;

it('these notes are about esdk-obs-nodejs 3.26.x', () => {
  expect(sdkVersion).toMatch(/^3\.26\./);
});

it('at debug level the SDK logs the SSE-C key in clear, in the request headers and in stringToSign', async () => {
  const standin = await startStandin();
  const log: string[] = [];
  try {
    const results = await runScenarios(
      { port: standin.port, mode: 'obs', captureLog: log },
      { only: ['create-bucket', 'put-sse-c'] },
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
  } finally {
    await standin.close();
  }
  const leaking = log.filter((l) => l.includes(KEY));
  expect(leaking.some((l) => l.includes('request msg:'))).toBe(true);
  expect(leaking.some((l) => l.includes('stringToSign:'))).toBe(true);
  // The Authorization header is masked in the same message: the masking exists, it just misses the key.
  expect(log.some((l) => l.includes('request msg:') && l.includes('"Authorization":"****"'))).toBe(true);
});

it('with signature v2 on a virtual-hosted endpoint, negotiation switches the SDK to the OBS dialect', async () => {
  const standin = await startStandin();
  try {
    const [create, put] = await runScenarios(
      { port: standin.port, mode: 's3-virtual', negotiation: true },
      { only: ['create-bucket', 'put-kms'] },
    );
    expect([create?.status, put?.status]).toEqual([200, 200]);
    const putEx = standin.exchanges.find((e) => e.operation === 'PutObject');
    expect(putEx?.dialect).toBe('obs');
    expect(putEx?.requestHeaders.map(([n]) => n)).toContain('x-obs-server-side-encryption');
    expect(standin.exchanges.filter((e) => e.operation === 'HeadApiVersion').length).toBeGreaterThan(0);
  } finally {
    await standin.close();
  }
});

it('createPostSignatureSync copies an SSE-C key given as a form param into the (base64-only) policy', async () => {
  const standin = await startStandin();
  const sdk = await openSdk({ port: standin.port, mode: 'obs' });
  try {
    const res = await postObject(
      sdk,
      'post',
      'k.bin',
      {
        'x-obs-server-side-encryption-customer-algorithm': 'AES256',
        'x-obs-server-side-encryption-customer-key': KEY,
        'x-obs-server-side-encryption-customer-key-MD5': TEST_CUSTOMER_KEY_MD5,
      },
      Buffer.from('data'),
    );
    expect(res.status).toBe(204);
    expect(Buffer.from(res.policy, 'base64').toString('utf8').includes(KEY)).toBe(true);
  } finally {
    sdk.close();
    await standin.close();
  }
});

it('uploadFile with EnableCheckpoint writes the SSE-C key in clear into the checkpoint file, which outlives a failure', async () => {
  // A server that accepts the initiate and fails every part: the state in which uploadFile keeps its record.
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.includes('uploads')) {
        res.setHeader('Content-Type', 'application/xml');
        res.end(
          '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>',
        );
      } else {
        res.statusCode = req.method === 'PUT' ? 500 : 204;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sdk = await openSdk({ port: (server.address() as AddressInfo).port, mode: 's3' });
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
  try {
    const file = join(dir, 'f.bin');
    writeFileSync(file, Buffer.alloc(250 * 1024, 1));
    // A string key, as the SDK's own examples pass it.
    const stringKey = 'k'.repeat(31) + 'Z';
    const outcome = await sdk.client
      .uploadFile({
        Bucket: 'b',
        Key: 'k',
        UploadFile: file,
        PartSize: 100 * 1024,
        EnableCheckpoint: true,
        SseC: 'AES256',
        SseCKey: stringKey,
      })
      .then(
        () => 'resolved',
        (e: unknown) => String(e),
      );
    expect(outcome).toMatch(/^IncompletedUpload/);
    const record = `${file}.upload_record`;
    expect(existsSync(record)).toBe(true);
    expect(readFileSync(record, 'utf8').includes(stringKey)).toBe(true);
  } finally {
    sdk.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
