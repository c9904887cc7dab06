import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startStandin, type Standin } from '../../src/standin/server';
import { openSdk, type SdkSession } from '../support/sdk';

const MiB = 1024 * 1024;

/** `size` bytes of a deterministic pattern, produced chunk by chunk and hashed on the way out. */
function generated(size: number, chunk = MiB): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  let n = 0;
  const stream = new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const len = Math.min(chunk, size - sent);
      const buf = Buffer.alloc(len, `chunk-${n++}-`);
      hash.update(buf);
      sent += len;
      this.push(buf);
    },
  });
  let digest: string | undefined;
  return { stream, sha256: () => (digest ??= hash.digest('hex')) };
}

const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// In a full run this Jest worker has already run other suites: their garbage, collected or not during the
// upload, would count as the upload's. A full collection before the baseline leaves only this test's.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

describe('streaming through the stand-in', () => {
  let standin: Standin;
  let sdk: SdkSession;
  beforeAll(async () => {
    standin = await startStandin();
    sdk = await openSdk({ port: standin.port, mode: 'obs' });
    await sdk.client.createBucket({ Bucket: 'stream' });
  });
  afterAll(async () => {
    sdk.close();
    await standin.close();
  });

  it('hashes a 64 MiB PutObject without keeping it, and records the right SHA-256', async () => {
    const size = 64 * MiB;
    const data = generated(size);
    collect();
    const baseline = used();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, used());
    }, 20);
    let status: number;
    try {
      const r = await sdk.client.putObject({
        Bucket: 'stream',
        Key: 'big.bin',
        Body: data.stream,
        SseKms: 'kms',
      });
      status = r.CommonMsg.Status;
    } finally {
      clearInterval(sampler);
    }
    expect(status).toBe(200);
    const put = standin.exchanges.find((e) => e.operation === 'PutObject' && e.key === 'big.bin');
    expect(put?.requestBody).toEqual({ size, sha256: data.sha256() });
    expect(put?.stored).toEqual({ bucket: 'stream', key: 'big.bin', size, sha256: data.sha256() });
    const stored = standin.store.getObject('stream', 'big.bin');
    expect(stored?.size).toBe(size);
    expect(stored?.bytes).toBeUndefined();
    // Holding the object anywhere (client or server) would cost at least its size; streaming stays
    // around 30 MiB of not-yet-collected chunks, for 64 MiB as for 256 MiB.
    expect(peak - baseline).toBeLessThan(size);

    const head = await sdk.client.getObjectMetadata({ Bucket: 'stream', Key: 'big.bin' });
    expect(head.CommonMsg.Status).toBe(200);
    expect(head.InterfaceResult?.ContentLength).toBe(String(size));
    const get = await sdk.client.getObject({ Bucket: 'stream', Key: 'big.bin' });
    expect([get.CommonMsg.Status, get.CommonMsg.Code]).toEqual([501, 'NotImplemented']);
  });

  it('keeps small objects so they can be read back', async () => {
    const data = Buffer.from('small object');
    await sdk.client.putObject({ Bucket: 'stream', Key: 'small.txt', Body: data });
    const get = await sdk.client.getObject({ Bucket: 'stream', Key: 'small.txt' });
    expect(get.CommonMsg.Status).toBe(200);
    expect(String(get.InterfaceResult?.Content)).toBe('small object');
    expect(standin.store.getObject('stream', 'small.txt')?.sha256).toBe(
      createHash('sha256').update(data).digest('hex'),
    );
  });
});
