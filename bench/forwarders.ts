/**
 * `npm run bench -- forwarders`: how much of the bulk target `obs-sse proxy` can reach in Node at all. 1 MiB
 * PUTs on 16 connections (autocannon, in this process) to one nginx upstream that reads each body whole,
 * through nginx (2 workers, one hop: the scale bench's reference), through `obs-sse proxy --workers 2`, and
 * through three bare forwarders of two worker processes each (node:cluster, as `--workers 2`):
 *
 *   - a raw TCP pipe (`socket.pipe`, no HTTP): the floor of moving bytes through Node;
 *   - node:http server → node:http client on a keep-alive agent, `req.pipe(upstream)`: what the proxy's
 *     upload transport does (src/proxy/upstream-http.ts);
 *   - node:http server → undici Pool with the request as its body: the proxy's transport for body-less
 *     requests (src/proxy/upstream-undici.ts), which carried uploads too before.
 *
 * docs/scale.md reads these against `npm run bench -- scale`. `--rounds N` (default 3), medians.
 */
import autocannon from 'autocannon';
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { Pool } from 'undici';

import { freshBin } from '../test/support/dist';
import { freePort, startNginx } from '../test/support/servers';
import { startCli } from './support/cli';

const BYTES = 1024 * 1024;
const CONNECTIONS = 16;
const DURATION_S = 5;
const WORKERS = 2;
const roundsIndex = process.argv.indexOf('--rounds');
const ROUNDS = roundsIndex >= 0 ? Number(process.argv[roundsIndex + 1]) : 3;
// SSE-C on every upload, as in the scale bench: the guard's costliest check (the MD5 of the key).
const KEY = createHash('sha256').update('obs-sse forwarders bench key').digest();
const SSE_C = {
  'x-obs-server-side-encryption-customer-algorithm': 'AES256',
  'x-obs-server-side-encryption-customer-key': KEY.toString('base64'),
  'x-obs-server-side-encryption-customer-key-MD5': createHash('md5').update(KEY).digest('base64'),
};
const MODES = ['tcp pipe', 'node:http → node:http', 'node:http → undici'] as const;
type Mode = (typeof MODES)[number];

function forwarder(mode: Mode, upstreamPort: number): net.Server {
  if (mode === 'tcp pipe') {
    return net.createServer((client) => {
      const up = net.connect(upstreamPort, '127.0.0.1');
      client.pipe(up).pipe(client);
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
    });
  }
  if (mode === 'node:http → node:http') {
    const agent = new http.Agent({ keepAlive: true });
    return http.createServer((req, res) => {
      const up = http.request(
        {
          host: '127.0.0.1',
          port: upstreamPort,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
  }
  const pool = new Pool(`http://127.0.0.1:${upstreamPort}`);
  return http.createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers.connection;
    pool.request({ method: 'PUT', path: req.url ?? '/', headers, body: req }).then(
      (r) => {
        res.writeHead(r.statusCode, r.headers as http.OutgoingHttpHeaders);
        r.body.pipe(res);
      },
      () => res.destroy(),
    );
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function mibPerSecond(port: number): Promise<number> {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/bench-bucket/object.bin`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    method: 'PUT',
    headers: SSE_C,
    body: Buffer.alloc(BYTES, 0x5a),
  });
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`port ${port}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return (r.requests.total * BYTES) / DURATION_S / 2 ** 20;
}

async function main(): Promise<void> {
  const sinkPort = await freePort();
  const answer = `'<?xml version="1.0" encoding="UTF-8"?><Result/>'`;
  // As in bench/scale.ts: the body is read whole, then answered by a server block that never sees it.
  const upstream = await startNginx(
    (port) => `
    upstream body_read { server 127.0.0.1:${sinkPort}; keepalive 32; }
    server {
        listen 127.0.0.1:${port};
        keepalive_requests 1000000;
        client_max_body_size 0;
        client_body_buffer_size 2m;
        location / {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_pass http://body_read;
        }
    }
    server { listen 127.0.0.1:${sinkPort}; keepalive_requests 1000000; location / { return 200 ${answer}; } }`,
    1,
  );
  const cleanups: Array<() => Promise<void>> = [() => upstream.stop()];
  const proxied = `proxy_pass http://127.0.0.1:${upstream.port}; proxy_http_version 1.1;
            proxy_set_header Connection ""; proxy_request_buffering off; proxy_buffering off;
            client_max_body_size 0;`;
  const nginx = await startNginx(
    (port) => `server { listen 127.0.0.1:${port}; location / { ${proxied} } }`,
    2,
  );
  cleanups.push(() => nginx.stop());
  const proxy = await startCli(await freshBin(), [
    'proxy',
    '--listen',
    '127.0.0.1:0',
    '--upstream',
    `http://127.0.0.1:${upstream.port}`,
    '--rule',
    'transport/https-required=off',
    '--workers',
    String(WORKERS),
  ]);
  cleanups.push(proxy.stop);
  const ports = new Map<string, number>([
    ['nginx pass-through (one hop)', nginx.port],
    [`obs-sse proxy --workers ${WORKERS}`, proxy.port],
  ]);
  try {
    for (const mode of MODES) {
      const port = await freePort();
      const listening: Array<Promise<void>> = [];
      for (let i = 0; i < WORKERS; i++) {
        const w = cluster.fork({ FORWARDER: mode, UPSTREAM: String(upstream.port), PORT: String(port) });
        listening.push(new Promise((resolve) => w.once('listening', () => resolve())));
      }
      await Promise.all(listening);
      ports.set(mode, port);
    }
    const samples = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, port] of ports)
        samples.set(name, [...(samples.get(name) ?? []), await mibPerSecond(port)]);
    }
    const reference = median(samples.get('nginx pass-through (one hop)') ?? []);
    console.log(
      `1 MiB PUTs, ${CONNECTIONS} connections, ${WORKERS} forwarder processes; medians of ${ROUNDS} rounds of ${DURATION_S} s\n`,
    );
    console.log('| forwarder | MiB/s | rounds | vs nginx one hop |\n|---|---:|---|---:|');
    for (const [name, xs] of samples) {
      const m = median(xs);
      console.log(
        `| ${name} | ${Math.round(m)} | ${xs.map((x) => Math.round(x)).join(', ')} | ${(m / reference).toFixed(2)}× |`,
      );
    }
  } finally {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

if (cluster.isWorker) {
  forwarder(process.env.FORWARDER as Mode, Number(process.env.UPSTREAM)).listen(
    Number(process.env.PORT),
    '127.0.0.1',
  );
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
