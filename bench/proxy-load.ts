/**
 * Load benchmark of `obs-sse proxy`: autocannon (64 connections, 10 s per target) against
 *   1. the proxy with a cheap guard,
 *   2. a plain node:http pass-through proxy without checks,
 *   3. the upstream directly.
 * Every server runs in its own child process, so autocannon's CPU does not share their event loops.
 * Everything listens on 127.0.0.1 only. Run: `npx tsx bench/proxy-load.ts`.
 *
 * Targets: proxy >= 0.8x pass-through throughput, and at most 1 ms added p99 latency.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createProxy } from '../src/proxy/server';
import type { ProxyGuard, RequestVerdict } from '../src/proxy/types';

const CONNECTIONS = 64;
const DURATION_S = 10;
const WARMUP_S = 2;
const PATH = '/bench-bucket/object.txt';
const REQUEST_HEADERS = {
  'x-obs-server-side-encryption-customer-algorithm': 'AES256',
  'x-obs-meta-purpose': 'bench',
};

type Role = 'upstream' | 'passthrough' | 'proxy';

interface ReadyMessage {
  type: 'ready';
  port: number;
}

// ---------------------------------------------------------------------------------------------------
// Child roles

const UPSTREAM_BODY = '<?xml version="1.0" encoding="UTF-8"?><Result><Key>object.txt</Key></Result>';

function runUpstream(): http.Server {
  return http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(UPSTREAM_BODY),
        'x-obs-request-id': '0000018A2B3C4D5E6F70',
      });
      res.end(UPSTREAM_BODY);
    });
  });
}

const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function runPassthrough(upstream: URL): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' });
  return http.createServer((req, res) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
    headers.host = upstream.host;
    const up = http.request(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (upRes) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(upRes.headers)) if (!HOP.has(k)) out[k] = v;
        res.writeHead(upRes.statusCode ?? 502, out);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
}

/** A realistic but cheap guard: a linear scan of the head for SSE headers with a value check. */
const cheapGuard: ProxyGuard = {
  checkRequest(req): RequestVerdict {
    const codes: string[] = [];
    for (const [name, value] of req.headers) {
      const n = name.toLowerCase();
      if (n === 'x-obs-server-side-encryption' && value !== 'kms' && value !== 'AES256')
        codes.push('sse/value');
      if (n === 'x-obs-server-side-encryption-customer-algorithm' && value !== 'AES256')
        codes.push('sse-c/algorithm');
    }
    return {
      block: codes.length > 0,
      codes,
      diagnostics: [],
      operation: req.method === 'GET' ? 'GetObject' : 'Other',
    };
  },
  checkResponse() {
    return { codes: [], diagnostics: [] };
  },
};

function runProxy(upstream: URL): { server: http.Server; addedMs: number[] } {
  const addedMs: number[] = [];
  const proxy = createProxy({
    upstream,
    guard: cheapGuard,
    // The real default logger's work (stringify + a write per exchange), into /dev/null via stdio.
    log: (line) => {
      const added = (line as { addedMs?: number }).addedMs;
      if (added !== undefined) addedMs.push(added);
      process.stdout.write(JSON.stringify(line) + '\n');
    },
  });
  return { server: proxy.server, addedMs };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function child(role: Role, upstream: string | undefined): void {
  let server: http.Server;
  let addedMs: number[] = [];
  if (role === 'upstream') server = runUpstream();
  else if (role === 'passthrough') server = runPassthrough(new URL(upstream as string));
  else ({ server, addedMs } = runProxy(new URL(upstream as string)));
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port } satisfies ReadyMessage);
  });
  process.on('message', (msg) => {
    // Emptied in place: the proxy's log closure holds this same array.
    if (msg === 'reset') addedMs.length = 0;
    if (msg === 'stats') {
      const sorted = [...addedMs].sort((a, b) => a - b);
      process.send?.({
        type: 'stats',
        count: sorted.length,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? NaN,
        maxRss: process.resourceUsage().maxRSS * 1024,
      });
    }
    if (msg === 'exit') process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------------
// Parent

function spawnRole(role: Role, upstream?: string): Promise<{ proc: ChildProcess; port: number }> {
  const args = ['--role', role, ...(upstream ? ['--upstream', upstream] : [])];
  // Reuse this process's loader flags (tsx) so the child can run this same TypeScript file.
  const proc = fork(__filename, args, {
    execArgv: process.execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${role} exited early (${code})`)));
    proc.on('message', (m: ReadyMessage) => {
      if (m.type === 'ready') resolve({ proc, port: m.port });
    });
  });
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  requests: number;
}

async function load(name: string, port: number, duration: number): Promise<Row> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${PATH}`,
    connections: CONNECTIONS,
    duration,
    headers: REQUEST_HEADERS,
  });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    requests: result.requests.total,
  };
}

function ask<T>(proc: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }): void => {
      if (m.type !== msg) return;
      proc.off('message', on);
      resolve(m as T);
    };
    proc.on('message', on);
    proc.send(msg);
  });
}

async function parent(): Promise<void> {
  const upstream = await spawnRole('upstream');
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const passthrough = await spawnRole('passthrough', upstreamUrl);
  const proxy = await spawnRole('proxy', upstreamUrl);
  const targets: Array<[string, number]> = [
    ['pass-through', passthrough.port],
    ['obs-sse proxy', proxy.port],
    ['upstream direct', upstream.port],
  ];
  const rows: Row[] = [];
  try {
    for (const [name, port] of targets) {
      process.stderr.write(`warming up ${name} (${WARMUP_S} s) ...\n`);
      await load(name, port, WARMUP_S);
      if (name === 'obs-sse proxy') proxy.proc.send('reset');
      process.stderr.write(`measuring ${name} (${DURATION_S} s, ${CONNECTIONS} connections) ...\n`);
      rows.push(await load(name, port, DURATION_S));
    }
    const internal = await ask<{ count: number; p50: number; p99: number; max: number; maxRss: number }>(
      proxy.proc,
      'stats',
    );
    const pad = (s: string, n: number): string => s.padStart(n);
    console.log(
      `\n${'target'.padEnd(16)}${pad('req/s', 10)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('errors', 8)}${pad('non2xx', 8)}${pad('requests', 10)}`,
    );
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(16)}${pad(r.rps.toFixed(0), 10)}${pad(String(r.p50), 8)}${pad(String(r.p99), 8)}${pad(String(r.errors + r.timeouts), 8)}${pad(String(r.non2xx), 8)}${pad(String(r.requests), 10)}`,
      );
    }
    const [t, p, d] = rows as [Row, Row, Row];
    const ratio = p.rps / t.rps;
    const addedP99 = p.p99 - t.p99;
    console.log(
      `\nthroughput proxy / pass-through: ${ratio.toFixed(3)}x  (target >= 0.8)  ${ratio >= 0.8 ? 'OK' : 'MISSED'}`,
    );
    console.log(`throughput proxy / direct:       ${(p.rps / d.rps).toFixed(3)}x`);
    console.log(
      `added p99 vs pass-through:       ${addedP99.toFixed(2)} ms (target <= 1 ms)  ${addedP99 <= 1 ? 'OK' : 'MISSED'}`,
    );
    console.log(`added p99 vs direct:             ${(p.p99 - d.p99).toFixed(2)} ms`);
    console.log(
      `proxy-internal addedMs (check + set-up + response head), ${internal.count} exchanges: ` +
        `p50 ${internal.p50.toFixed(3)} ms, p99 ${internal.p99.toFixed(3)} ms, max ${internal.max.toFixed(3)} ms`,
    );
    console.log(`proxy peak RSS: ${(internal.maxRss / 2 ** 20).toFixed(1)} MiB`);
  } finally {
    for (const c of [proxy, passthrough, upstream]) c.proc.kill('SIGKILL');
  }
}

const roleIndex = process.argv.indexOf('--role');
if (roleIndex >= 0) {
  const upstreamIndex = process.argv.indexOf('--upstream');
  child(
    process.argv[roleIndex + 1] as Role,
    upstreamIndex >= 0 ? process.argv[upstreamIndex + 1] : undefined,
  );
} else {
  parent().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
