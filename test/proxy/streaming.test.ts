import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { Readable } from 'node:stream';

import { startChildProxy, startUpstream, type ChildProxy, type Upstream } from './helpers';

const TOTAL = 256 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const RSS_LIMIT = 150 * 1024 * 1024;

let upstream: Upstream;
let child: ChildProxy;

beforeAll(async () => {
  upstream = await startUpstream();
  child = await startChildProxy({ upstream: upstream.url.href, quiet: true });
});

afterAll(async () => {
  child.child.kill('SIGKILL');
  await child.exited;
  await upstream.close();
});

/** 256 distinct 1 MiB chunks: a random block with the chunk index stamped in, so reordering shows. */
function payload(hash: ReturnType<typeof createHash>): Readable {
  const base = randomBytes(CHUNK);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= TOTAL) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(base);
      chunk.writeUInt32BE(sent / CHUNK, 0);
      sent += CHUNK;
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

test('a 256 MiB upload arrives byte for byte while the proxy process stays under 150 MB RSS', async () => {
  const before = await child.peakRss();
  const sent = createHash('sha256');
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: child.port,
        method: 'PUT',
        path: '/bucket/big-object',
        agent: false,
        headers: { 'content-length': TOTAL, 'content-type': 'application/octet-stream' },
      },
      (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    payload(sent).pipe(req);
  });
  expect(res.status).toBe(200);
  const rec = upstream.received[0]!;
  expect(rec.complete).toBe(true);
  expect(rec.bodyBytes).toBe(TOTAL);
  expect(rec.headers['content-length']).toBe(String(TOTAL));
  expect(rec.sha256).toBe(sent.digest('hex'));

  const after = await child.peakRss();
  // Both kernel views of the peak, so neither a getrusage quirk nor a /proc quirk can hide growth.
  expect(after.maxRss).toBeLessThan(RSS_LIMIT);
  expect(after.vmHwm).toBeLessThan(RSS_LIMIT);
  // Buffering even a tenth of the body would show up as growth of the peak during the transfer.
  process.stdout.write(
    `proxy peak RSS: before ${(before.maxRss / 2 ** 20).toFixed(1)} MiB, after 256 MiB upload ${(after.maxRss / 2 ** 20).toFixed(1)} MiB (VmHWM ${(after.vmHwm / 2 ** 20).toFixed(1)} MiB)\n`,
  );
});

test('backpressure: while the upstream stops reading, the proxy stops reading from the client', async () => {
  await upstream.close();
  let resume!: () => void;
  const resumed = new Promise<void>((r) => (resume = r));
  let upstreamBytes = 0;
  const slow = http.createServer((req, res) => {
    req.on('data', (d: Buffer) => {
      upstreamBytes += d.length;
      if (upstreamBytes >= CHUNK && !req.isPaused()) {
        req.pause();
        void resumed.then(() => req.resume());
      }
    });
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => slow.listen(upstream.port, '127.0.0.1', r));
  try {
    const sent = createHash('sha256');
    let clientSocketBytes = 0;
    const done = new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: child.port,
          method: 'PUT',
          path: '/bucket/slow',
          agent: false,
          headers: { 'content-length': TOTAL },
        },
        (r) => {
          r.resume();
          r.on('end', () => resolve(r.statusCode ?? 0));
        },
      );
      req.on('socket', (s) => {
        const timer = setInterval(() => (clientSocketBytes = s.bytesWritten), 20);
        s.once('close', () => clearInterval(timer));
      });
      req.on('error', reject);
      payload(sent).pipe(req);
    });
    await new Promise((r) => setTimeout(r, 1500));
    // Only socket buffers (client send, proxy receive, proxy send, upstream receive) may hold the rest;
    // a proxy without backpressure would have swallowed all 256 MiB by now.
    const stalledAt = clientSocketBytes;
    expect(stalledAt).toBeLessThan(64 * 1024 * 1024);
    expect(stalledAt).toBeGreaterThan(CHUNK);
    resume();
    expect(await done).toBe(200);
    expect(upstreamBytes).toBe(TOTAL);
    process.stdout.write(
      `client could push ${(stalledAt / 2 ** 20).toFixed(1)} MiB while the upstream was paused\n`,
    );
  } finally {
    slow.closeAllConnections();
    await new Promise<void>((r) => slow.close(() => r()));
  }
});

test('a 256 MiB download streams back byte for byte through the same bounded proxy', async () => {
  const base = randomBytes(CHUNK);
  const expected = createHash('sha256');
  for (let i = 0; i < TOTAL / CHUNK; i += 1) {
    const chunk = Buffer.from(base);
    chunk.writeUInt32BE(i, 0);
    expected.update(chunk);
  }
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': TOTAL });
    let i = 0;
    const write = (): void => {
      while (i < TOTAL / CHUNK) {
        const chunk = Buffer.from(base);
        chunk.writeUInt32BE(i, 0);
        i += 1;
        if (!res.write(chunk)) {
          res.once('drain', write);
          return;
        }
      }
      res.end();
    };
    write();
  });
  // Reuse the child's upstream port so the already-running proxy talks to this server.
  await new Promise<void>((r) => server.listen(upstream.port, '127.0.0.1', r));
  try {
    const got = createHash('sha256');
    let bytes = 0;
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: child.port, path: '/bucket/big-object', agent: false }, (r) => {
          r.on('data', (d: Buffer) => {
            bytes += d.length;
            got.update(d);
          });
          r.on('end', () => resolve(r.statusCode ?? 0));
          r.on('error', reject);
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
    expect(bytes).toBe(TOTAL);
    expect(got.digest('hex')).toBe(expected.digest('hex'));
    const after = await child.peakRss();
    expect(after.maxRss).toBeLessThan(RSS_LIMIT);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
