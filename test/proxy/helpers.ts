import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

import { createProxy, type ObsSseProxy, type ProxyOptions } from '../../src/proxy/server';
import type { ProxyExchange } from '../../src/proxy/types';
import { createTestGuard, type TestGuard } from './fixtures/test-guard';

/** One request as the test upstream saw it. */
export interface Received {
  method: string;
  url: string;
  rawHeaders: Array<[string, string]>;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
  sha256: string;
  complete: boolean;
  /** The connection closed before the request body was complete. */
  aborted: boolean;
  /** Resolves when the request body ended or the request was aborted. */
  settled: Promise<void>;
}

/** A recording upstream on 127.0.0.1. */
export interface Upstream {
  server: http.Server;
  port: number;
  url: URL;
  received: Received[];
  /** Number of TCP connections accepted so far. */
  connections: () => number;
  /** Number of TCP connections open right now. */
  openConnections: () => Promise<number>;
  close: () => Promise<void>;
}

/** Custom upstream behaviour; the body has already started being hashed into `rec`. */
export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, rec: Received) => void;

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/**
 * Starts an upstream that records every request (head, body length and SHA-256, abort) and, unless
 * `handler` is given, answers 200 `ok` after reading the whole body.
 */
export async function startUpstream(handler?: UpstreamHandler): Promise<Upstream> {
  const received: Received[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let settle!: () => void;
    const rec: Received = {
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: pairs(req.rawHeaders),
      headers: req.headers,
      bodyBytes: 0,
      sha256: '',
      complete: false,
      aborted: false,
      settled: new Promise<void>((r) => (settle = r)),
    };
    received.push(rec);
    req.on('data', (chunk: Buffer) => {
      rec.bodyBytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      rec.complete = true;
      rec.sha256 = hash.digest('hex');
      settle();
    });
    req.on('close', () => {
      if (!req.complete) {
        rec.aborted = true;
        settle();
      }
    });
    req.on('error', () => undefined);
    if (handler) {
      handler(req, res, rec);
      return;
    }
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'x-upstream-saw-bytes': String(rec.bodyBytes) });
      res.end('ok');
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    url: new URL(`http://127.0.0.1:${port}`),
    received,
    connections: () => connections,
    openConnections: () => new Promise<number>((r) => server.getConnections((_e, n) => r(n))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A proxy under test plus what it logged and reported. */
export interface TestProxy {
  proxy: ObsSseProxy;
  port: number;
  guard: TestGuard;
  logs: Array<Record<string, unknown>>;
  exchanges: ProxyExchange[];
  /** Resolves once `n` exchange log lines exist. */
  waitForExchanges: (n: number) => Promise<void>;
  close: () => Promise<void>;
}

/** Starts a proxy in this process on 127.0.0.1 with the test guard, capturing logs and exchanges. */
export async function startProxy(
  upstream: URL,
  options: Partial<Omit<ProxyOptions, 'upstream' | 'guard'>> = {},
): Promise<TestProxy> {
  const guard = createTestGuard();
  const logs: Array<Record<string, unknown>> = [];
  const exchanges: ProxyExchange[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const exchangeCount = (): number => logs.filter((l) => l.event === 'exchange').length;
  const proxy = createProxy({
    upstream,
    guard,
    log: (line) => {
      logs.push(line as Record<string, unknown>);
      for (const w of waiters.filter((w) => exchangeCount() >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    onExchange: (e) => exchanges.push(e),
    ...options,
  });
  const address = await proxy.listen(0, '127.0.0.1');
  return {
    proxy,
    port: address.port,
    guard,
    logs,
    exchanges,
    waitForExchanges: (n) =>
      exchangeCount() >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () => proxy.close({ graceMs: 1000 }),
  };
}

/** A buffered client response. */
export interface ClientResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: Array<[string, string]>;
  body: string;
  socket: net.Socket;
}

/** Sends one request with node:http and buffers the response. */
export function request(
  port: number,
  options: http.RequestOptions & { body?: string | Buffer } = {},
): Promise<ClientResponse> {
  const { body, ...rest } = options;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent: false, ...rest }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: pairs(res.rawHeaders),
          body: Buffer.concat(chunks).toString('utf8'),
          socket: req.socket as net.Socket,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A response read off a raw socket. */
export interface RawResponse {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Decodes a complete chunked body (no trailers), or returns undefined while it is incomplete. */
function decodeChunked(buf: Buffer): { body: Buffer; consumed: number } | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
    if (size === 0) {
      if (buf.length < lineEnd + 4) return undefined;
      return { body: Buffer.concat(parts), consumed: lineEnd + 4 };
    }
    if (buf.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
}

/**
 * Reads HTTP/1.1 responses (Content-Length framed, or until close) from a raw socket, in order; interim
 * 1xx responses come back as their own entries.
 */
export class RawClient {
  readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake?.();
    });
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  /** Connects to 127.0.0.1:port. */
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Whether the peer has closed (or reset) the connection. */
  get closed(): boolean {
    return this.ended;
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(data, (err) => (err ? reject(err) : resolve())),
    );
  }

  private async waitForData(timeoutMs: number): Promise<boolean> {
    if (this.ended) return false;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  /** The next response, or undefined when none arrives within `timeoutMs`. */
  async readResponse(timeoutMs = 5000): Promise<RawResponse | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd >= 0) {
        const head = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
        const statusLine = head[0]!;
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const status = Number(statusLine.split(' ')[1]);
        const bodyStart = headEnd + 4;
        if (status >= 200 && /chunked/i.test(headers['transfer-encoding'] ?? '')) {
          const decoded = decodeChunked(this.buffer.subarray(bodyStart));
          if (decoded) {
            this.buffer = this.buffer.subarray(bodyStart + decoded.consumed);
            return { statusLine, status, headers, body: decoded.body.toString('utf8') };
          }
        }
        const length =
          status < 200 || /chunked/i.test(headers['transfer-encoding'] ?? '')
            ? status < 200
              ? 0
              : Infinity
            : headers['content-length'] !== undefined
              ? Number(headers['content-length'])
              : -1;
        if (length >= 0 && this.buffer.length >= bodyStart + length) {
          const body = this.buffer.subarray(bodyStart, bodyStart + length).toString('utf8');
          this.buffer = this.buffer.subarray(bodyStart + length);
          return { statusLine, status, headers, body };
        }
        if (length < 0 && this.ended) {
          const body = this.buffer.subarray(bodyStart).toString('utf8');
          this.buffer = Buffer.alloc(0);
          return { statusLine, status, headers, body };
        }
      }
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.waitForData(left))) {
        if (this.ended && this.buffer.length > 0 && this.buffer.indexOf('\r\n\r\n') >= 0) continue;
        return undefined;
      }
    }
  }

  /** Resolves true if the peer closes within `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) await this.waitForData(deadline - Date.now());
    return this.ended;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Polls `predicate` every 10 ms until it holds or `timeoutMs` passes; returns its last value. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** Collects a child's stdout and stderr as they arrive, and how it exits. */
function captured(child: ChildProcess): { out: () => string; err: () => string; exited: Promise<Exit> } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { out: () => out, err: () => err, exited };
}

/** A proxy running in its own node process (see fixtures/proxy-child.ts). */
export interface ChildProxy {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  exited: Promise<Exit>;
}

/** Config passed to fixtures/proxy-child.ts. */
export interface ChildConfig {
  upstream: string;
  mode?: 'enforce' | 'report';
  graceMs?: number;
}

/**
 * Starts fixtures/proxy-child.ts (the transport core with the test guard) under node + tsx and waits until
 * it listens. To run the product itself, use {@link startCliProxy}.
 */
export function startChildProxy(config: ChildConfig): Promise<ChildProxy> {
  const script = path.join(__dirname, 'fixtures', 'proxy-child.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, PROXY_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const { out, err, exited } = captured(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start: ${err()}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${err()}`)));
    child.on('message', (msg: { type: string; port?: number }) => {
      if (msg.type !== 'listening') return;
      clearTimeout(timer);
      resolve({
        child,
        port: msg.port!,
        stdout: out,
        exited,
      });
    });
  });
}

/** The real `obs-sse proxy`: the compiled CLI (test/support/dist.ts) in a plain node process. */
export interface CliProxy {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  /** The child's log lines (JSON on stdout) so far. */
  logs: () => Array<Record<string, unknown>>;
  /** The child's peak and current resident set size in bytes, read from /proc/<pid>/status. */
  memory: () => { vmHwm: number; vmRss: number };
  exited: Promise<Exit>;
}

function statusKb(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!m)
    throw new Error(`no ${field} line in /proc/<pid>/status (this measurement needs Linux):\n${status}`);
  return Number(m[1]) * 1024;
}

/**
 * Runs `node <cli...> proxy --listen 127.0.0.1:0 ...args` and waits for its `listening` log line, which
 * carries the port the kernel picked. `cli` is what starts the CLI: the built binary (`[bin]`), or the
 * sources (`['--import', 'tsx', 'src/cli/main.ts']`).
 */
export function startCliProxy(cli: readonly string[], args: readonly string[]): Promise<CliProxy> {
  const child = spawn(process.execPath, [...cli, 'proxy', '--listen', '127.0.0.1:0', ...args], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { out, err, exited } = captured(child);
  // Complete lines only: the last piece may be a line still being written.
  const logs = (): Array<Record<string, unknown>> =>
    out()
      .split('\n')
      .slice(0, -1)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`obs-sse proxy did not log 'listening' within 20 s:\n${out()}${err()}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`obs-sse proxy exited early (${code}):\n${out()}${err()}`));
    });
    const onData = (): void => {
      const listening = logs().find((l) => l.event === 'listening');
      if (listening === undefined) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        child,
        port: listening.port as number,
        stdout: out,
        stderr: err,
        logs,
        exited,
        memory: () => {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          return { vmHwm: statusKb(status, 'VmHWM'), vmRss: statusKb(status, 'VmRSS') };
        },
      });
    };
    child.stdout!.on('data', onData);
  });
}
