/**
 * `npm run bench -- scale`: the guard inside a gateway and across cores, in one run against one fast
 * upstream (nginx answering at once, reading and dropping request bodies):
 *
 *   1. nginx pass-through (2 workers), the reference;
 *   2. nginx `auth_request` to `obs-sse authz` (the shipped docs/gateways/nginx.conf);
 *   3. nginx `auth_request` to a location answering 204 (the pattern's own cost);
 *   4. nginx `auth_request` to a bare node:http server answering 200 (a keep-alive exchange with Node);
 *   5. `obs-sse proxy --workers 1` and `--workers 2`;
 *   and, for bulk, 1 MiB PUT bodies on 16 connections through nginx (one hop), nginx + authz and the proxy.
 *
 * Small requests are SSE-C GetObjects (the engine's costliest check, the MD5 of the key) on 64
 * connections. Each target is loaded by autocannon in this process; every server is a process of its
 * own. `--rounds N` (default 3) repeats every measurement, targets interleaved, and the tables give
 * medians: the machine is shared, and a median ignores the round another process disturbed.
 *
 * authz's CPU per decision is read from /proc for its process during (2), and compared with the
 * engine's `validateHeaders` time on the same headers (measured here) plus the bare server's CPU per
 * exchange during (4).
 */
import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { freshBin, ROOT } from '../test/support/dist';
import { startCli, type Running } from './support/cli';
import { passThrough, SSE_C, startProxyWorkers, startUpstream } from './support/upstream';
import { freePort, startNginx, waitForPort, type TestServer } from '../test/support/servers';

const SMALL_CONNECTIONS = 64;
const BULK_CONNECTIONS = 16;
const DURATION_S = 5;
const BULK_BYTES = 1024 * 1024;
const roundsIndex = process.argv.indexOf('--rounds');
const ROUNDS = roundsIndex >= 0 ? Number(process.argv[roundsIndex + 1]) : 3;
const PATH = '/bench-bucket/object.bin';
const CLK_TCK = 100;

// ---------------------------------------------------------------------------------------------------
// The bare node:http server of target 4, run as a child of this script.

if (process.argv.includes('--bare-server')) {
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    req.resume();
    res.writeHead(200, ['Content-Length', '0']);
    res.end();
  });
  server.keepAliveTimeout = 75_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
} else {
  void main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------------

/** User plus system CPU time of a process so far, in microseconds. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function startBare(): Promise<Running> {
  const proc = fork(__filename, ['--bare-server'], { execArgv: process.execArgv, stdio: 'ignore' });
  const port = await new Promise<number>((resolve) => proc.once('message', (p) => resolve(p as number)));
  return {
    proc,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
}

/** The gateway: the shipped nginx.conf (plain-HTTP upstream) plus the pass-through and reference servers. */
function gatewayConfig(
  ports: Record<'authzGw' | 'pass' | 'noop' | 'bare' | 'authz' | 'bareSrv' | 'up', number>,
): string {
  const shippedConf = readFileSync(join(ROOT, 'docs', 'gateways', 'nginx.conf'), 'utf8')
    .replace('server 127.0.0.1:9100;', `server 127.0.0.1:${ports.authz};`)
    .replace('server obs.cn-north-4.myhuaweicloud.com:443;', `server 127.0.0.1:${ports.up};`)
    .replace('listen 8080;', `listen 127.0.0.1:${ports.authzGw};`)
    .replace('proxy_pass https://obs_endpoint;', 'proxy_pass http://obs_endpoint;');
  const proxied = passThrough('http://obs_endpoint');
  const authRef = (name: string, target: string): string => `
    server {
        listen 127.0.0.1:${name === 'noop' ? ports.noop : ports.bare};
        location / {
            auth_request /.auth;${proxied}
        }
        location = /.auth {
            internal;
            ${target}
        }
    }`;
  return `${shippedConf}
    upstream bare_node { server 127.0.0.1:${ports.bareSrv}; keepalive 32; }
    server {
        listen 127.0.0.1:${ports.pass};
        location / {${proxied}
        }
    }
    ${authRef('noop', 'return 204;')}
    ${authRef(
      'bare',
      `proxy_pass http://bare_node; proxy_http_version 1.1; proxy_set_header Connection "";
            proxy_pass_request_body off; proxy_set_header Content-Length "";`,
    )}`;
}

interface Sample {
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU microseconds per request of the watched process, when one is watched. */
  cpuPerRequest?: number;
}

async function load(port: number, bulk: boolean, watch?: number): Promise<Sample> {
  const before = watch === undefined ? 0 : cpuUs(watch);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${PATH}`,
    connections: bulk ? BULK_CONNECTIONS : SMALL_CONNECTIONS,
    duration: DURATION_S,
    method: bulk ? 'PUT' : 'GET',
    headers: bulk ? { ...SSE_C, 'content-type': 'application/octet-stream' } : SSE_C,
    ...(bulk && { body: Buffer.alloc(BULK_BYTES, 0x5a) }),
  });
  const sample: Sample = {
    rps: result.requests.average,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
  if (watch !== undefined && result.requests.total > 0) {
    sample.cpuPerRequest = (cpuUs(watch) - before) / result.requests.total;
  }
  return sample;
}

/** The engine's validateHeaders on the small request's headers, ns per call (the built package). */
function validateNs(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateHeaders } = require(join(ROOT, 'dist', 'cjs', 'src')) as typeof import('../src');
  const headers = { host: '127.0.0.1', 'user-agent': 'autocannon', ...SSE_C };
  const run = (n: number): number => {
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      validateHeaders({ operation: 'GetObject', direction: 'request', headers, scheme: 'https' });
    }
    return ((performance.now() - t) * 1e6) / n;
  };
  run(20_000);
  return median([run(50_000), run(50_000), run(50_000)]);
}

async function main(): Promise<number> {
  const bin = await freshBin();
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const sinkPort = await freePort();
    const upstream = await startUpstream(sinkPort);
    cleanups.push(() => upstream.stop());
    const authz = await startCli(bin, ['authz', '--listen', '127.0.0.1:0', '--gateway', 'nginx']);
    cleanups.push(authz.stop);
    const bare = await startBare();
    cleanups.push(bare.stop);
    const [pass, noop, bareGw] = await Promise.all([freePort(), freePort(), freePort()]);
    const gateway: TestServer = await startNginx(
      (authzGw) =>
        gatewayConfig({
          authzGw,
          pass,
          noop,
          bare: bareGw,
          authz: authz.port,
          bareSrv: bare.port,
          up: upstream.port,
        }),
      2,
    );
    cleanups.push(() => gateway.stop());
    const authzGw = gateway.port;
    await Promise.all([pass, noop, bareGw].map((p) => waitForPort(p)));
    const w1 = await startProxyWorkers(bin, upstream.port, 1);
    cleanups.push(w1.stop);
    const w2 = await startProxyWorkers(bin, upstream.port, 2);
    cleanups.push(w2.stop);
    // The workers of w2 start one after the other; give the second time to listen.
    await new Promise((r) => setTimeout(r, 3000));

    const small: Array<[string, number, number | undefined]> = [
      ['nginx pass-through (2 workers)', pass, undefined],
      ['nginx auth_request to a 204 location', noop, undefined],
      ['nginx auth_request to a bare node:http server', bareGw, bare.proc.pid],
      ['nginx auth_request to obs-sse authz', authzGw, authz.proc.pid],
      ['obs-sse proxy --workers 1', w1.port, undefined],
      ['obs-sse proxy --workers 2', w2.port, undefined],
    ];
    const bulk: Array<[string, number]> = [
      ['nginx pass-through (one hop)', pass],
      ['nginx auth_request to obs-sse authz', authzGw],
      ['obs-sse proxy --workers 1', w1.port],
      ['obs-sse proxy --workers 2', w2.port],
    ];
    const smallSamples = new Map<string, Sample[]>();
    const bulkSamples = new Map<string, Sample[]>();
    // Warm-up: every target once, briefly, so no round pays for JIT and connection set-up.
    for (const [, port] of small)
      await autocannon({ url: `http://127.0.0.1:${port}${PATH}`, duration: 1, headers: SSE_C });
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, port, watch] of small) {
        const s = await load(port, false, watch);
        smallSamples.set(name, [...(smallSamples.get(name) ?? []), s]);
      }
      for (const [name, port] of bulk) {
        const s = await load(port, true);
        bulkSamples.set(name, [...(bulkSamples.get(name) ?? []), s]);
      }
    }
    const validate = validateNs();
    report(smallSamples, bulkSamples, validate);
    return 0;
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

function report(small: Map<string, Sample[]>, bulk: Map<string, Sample[]>, validateNsPerCall: number): void {
  const rps = (name: string): number => median((small.get(name) ?? []).map((s) => s.rps));
  const ref = rps('nginx pass-through (2 workers)');
  const bad = (samples: Sample[]): string => {
    const n = samples.reduce((a, s) => a + s.non2xx + s.errors, 0);
    return n === 0 ? '' : ` (${n} non-2xx/errors)`;
  };
  console.log(`Medians of ${ROUNDS} rounds of ${DURATION_S} s; the machine is shared, so read the ratios.\n`);
  console.log(`Small requests (SSE-C GetObject), ${SMALL_CONNECTIONS} connections:\n`);
  console.log('| path | req/s | vs nginx pass-through |\n|---|---:|---:|');
  for (const [name, samples] of small) {
    console.log(`| ${name}${bad(samples)} | ${Math.round(rps(name))} | ${(rps(name) / ref).toFixed(2)}× |`);
  }
  const mib = (name: string): number =>
    median((bulk.get(name) ?? []).map((s) => (s.requests * BULK_BYTES) / DURATION_S / (1024 * 1024)));
  const bulkRef = mib('nginx pass-through (one hop)');
  console.log(`\nBulk: 1 MiB PUT bodies, ${BULK_CONNECTIONS} connections:\n`);
  console.log('| path | MiB/s | vs nginx one hop |\n|---|---:|---:|');
  for (const [name, samples] of bulk) {
    console.log(
      `| ${name}${bad(samples)} | ${Math.round(mib(name))} | ${(mib(name) / bulkRef).toFixed(2)}× |`,
    );
  }
  const cpu = (name: string): number =>
    median((small.get(name) ?? []).map((s) => s.cpuPerRequest ?? NaN).filter((x) => !Number.isNaN(x)));
  const authzCpu = cpu('nginx auth_request to obs-sse authz');
  const exchangeCpu = cpu('nginx auth_request to a bare node:http server');
  const budget = 2 * (validateNsPerCall / 1000 + exchangeCpu);
  const ratio = (a: string, b: string): number => rps(a) / rps(b);
  const targets: Array<[string, string, boolean]> = [
    [
      'nginx + authz ≥ 0.33× nginx pass-through',
      `${(rps('nginx auth_request to obs-sse authz') / ref).toFixed(2)}×`,
      rps('nginx auth_request to obs-sse authz') / ref >= 0.33,
    ],
    [
      "authz CPU per decision ≤ 2 × (validateHeaders + a bare server's keep-alive exchange)",
      `${authzCpu.toFixed(1)} µs vs 2 × (${(validateNsPerCall / 1000).toFixed(1)} + ${exchangeCpu.toFixed(1)}) = ${budget.toFixed(1)} µs`,
      authzCpu <= budget,
    ],
    [
      'proxy --workers 2 ≥ 1.3× --workers 1',
      `${ratio('obs-sse proxy --workers 2', 'obs-sse proxy --workers 1').toFixed(2)}×`,
      ratio('obs-sse proxy --workers 2', 'obs-sse proxy --workers 1') >= 1.3,
    ],
    [
      'bulk: proxy --workers 2 ≥ 0.8× nginx one hop (MiB/s)',
      `${(mib('obs-sse proxy --workers 2') / bulkRef).toFixed(2)}×`,
      mib('obs-sse proxy --workers 2') / bulkRef >= 0.8,
    ],
  ];
  console.log('\nTargets:\n\n| target | measured | met |\n|---|---|---|');
  for (const [what, got, met] of targets) console.log(`| ${what} | ${got} | ${met ? 'yes' : 'no'} |`);
}
