/**
 * Real servers from Debian that tests start and stop themselves: redis-server (the shared session
 * store) and nginx (the gateway in front of `obs-sse authz`). Each listens on a free loopback port,
 * keeps everything in a temporary directory, writes nothing to the system and is killed by `stop`.
 * `.ci/setup.d/15-redis-nginx.sh` installs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it right away). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A server process a test started. */
export interface TestServer {
  port: number;
  url: string;
  child: ChildProcess;
  dir: string;
  /** Kills the process (SIGKILL when `hard`), waits for it, removes its directory. */
  stop(hard?: boolean): Promise<void>;
  /** What it wrote to stderr and its log file, for failure messages. */
  output(): string;
}

function exitOf(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startServer(
  command: string,
  args: (port: number, dir: string) => string[],
  url: (port: number) => string,
  logFile?: string,
  env?: (dir: string) => NodeJS.ProcessEnv,
): Promise<TestServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'obs-sse-server-'));
  const child = spawn(command, args(port, dir), {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(env && { env: env(dir) }),
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const output = (): string => {
    let log = '';
    try {
      if (logFile) log = readFileSync(join(dir, logFile), 'utf8');
    } catch {
      // not written yet
    }
    return `${err}${log}`;
  };
  const spawned = new Promise<void>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}): ${output()}`)));
  });
  try {
    await Promise.race([waitForPort(port), spawned]);
  } catch (err) {
    // A server that did not come up must not outlive the test that started it.
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: url(port),
    child,
    dir,
    output,
    async stop(hard = false) {
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exitOf(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** redis-server on a free loopback port, without persistence. */
export function startRedis(): Promise<TestServer> {
  return startServer(
    'redis-server',
    (port, dir) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      join(dir, 'redis.log'),
    ],
    (port) => `redis://127.0.0.1:${port}`,
    'redis.log',
  );
}

/**
 * nginx in the foreground (`daemon off;`) with `workers` worker processes (default 1), a temporary prefix
 * and error log. `http(port)` is the body of the http block, `port` the free port it should listen on.
 */
export function startNginx(http: (port: number) => string, workers = 1): Promise<TestServer> {
  let confDir = '';
  return startServer(
    'nginx',
    (port, dir) => {
      confDir = dir;
      const conf = [
        'daemon off;',
        `worker_processes ${workers};`,
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 1024; }',
        'http {',
        `  access_log off;`,
        `  client_body_temp_path ${join(dir, 'body')};`,
        `  proxy_temp_path ${join(dir, 'proxy')};`,
        `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
        `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
        `  scgi_temp_path ${join(dir, 'scgi')};`,
        http(port),
        '}',
      ].join('\n');
      writeFileSync(join(dir, 'nginx.conf'), conf);
      return ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
    },
    (port) => `http://127.0.0.1:${port}`,
    'error.log',
  ).then((s) => ({ ...s, dir: confDir }));
}

/**
 * Caddy (`caddy run`) with a Caddyfile whose site block is `site(port)`; the admin API is off and
 * Caddy's data and config directories are temporary, so nothing outside the test is touched.
 */
export function startCaddy(site: (port: number) => string): Promise<TestServer> {
  return startServer(
    'caddy',
    (port, dir) => {
      const file = join(dir, 'Caddyfile');
      writeFileSync(file, `{\n\tadmin off\n\tauto_https off\n}\n\n${site(port)}`);
      return ['run', '--config', file, '--adapter', 'caddyfile'];
    },
    (port) => `http://127.0.0.1:${port}`,
    undefined,
    (dir) => ({ PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }),
  );
}
