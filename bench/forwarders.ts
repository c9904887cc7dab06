/**
 * `npm run bench -- forwarders`: how much of the bulk target `obs-sse proxy` can reach in Node at all. 1 MiB
 * PUTs with SSE-C on 16 connections (autocannon, in this process) to the scale bench's nginx upstream,
 * which reads each body whole,
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
import * as http from 'node:http';
import * as net from 'node:net';
import { Pool } from 'undici';

import { freshBin } from '../test/support/dist';
import { forwardTo } from '../test/support/forward';
import { freePort, startNginx } from '../test/support/servers';
import { passThrough, SSE_C, startProxyWorkers, startUpstream } from './support/upstream';

const BYTES = 1024 * 1024;
const CONNECTIONS = 16;
const DURATION_S = 5;
const WORKERS = 2;
const roundsIndex = process.argv.indexOf('--rounds');
const ROUNDS = roundsIndex >= 0 ? Number(process.argv[roundsIndex + 1]) : 3;
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
    return http.createServer(forwardTo(upstreamPort, new http.Agent({ keepAlive: true })));
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
  const upstream = await startUpstream(await freePort());
  const cleanups: Array<() => Promise<void>> = [() => upstream.stop()];
  const nginx = await startNginx(
    (port) =>
      `server { listen 127.0.0.1:${port}; location / { ${passThrough(`http://127.0.0.1:${upstream.port}`)} } }`,
    2,
  );
  cleanups.push(() => nginx.stop());
  const proxy = await startProxyWorkers(await freshBin(), upstream.port, WORKERS);
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
