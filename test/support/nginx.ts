/**
 * A real nginx (Debian's, installed by .ci/setup.d/13-recorders.sh) in front of a local server, for
 * tests: loopback only, on a free port, everything (config, temp files, logs) in one temporary folder.
 * It logs with the shipped docs/nginx/obs-sse.conf, as a user would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const SHIPPED = resolve(__dirname, '../../docs/nginx/obs-sse.conf');

/** A running nginx. */
export interface Nginx {
  port: number;
  /** The access log written with the shipped `obs_sse` format. */
  log: string;
  /** Stops nginx (waiting for it to flush its log) and removes its folder. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

async function waitForPort(port: number, child: ChildProcess, errors: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${errors()}`);
    const ok = await new Promise<boolean>((done) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        done(true);
      });
      c.once('error', () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port}: ${errors()}`);
}

/** Starts nginx proxying every request to `http://127.0.0.1:upstreamPort`, Host kept. */
export async function startNginx(upstreamPort: number): Promise<Nginx> {
  if (!NGINX_BIN) throw new Error('nginx is not installed: run .ci/setup.d/13-recorders.sh');
  const dir = mkdtempSync(join(tmpdir(), 'obs-sse-nginx-'));
  const log = join(dir, 'obs-sse.log');
  const errorLog = join(dir, 'error.log');
  const port = await freePort();
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 64; }
http {
  include ${SHIPPED};
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_set_header Host $http_host;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      access_log ${log} obs_sse;
    }
  }
}
`;
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const check = spawnSync(NGINX_BIN, ['-t', '-q', '-p', dir, '-c', confFile], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t failed: ${check.stderr}`);
  const child = spawn(NGINX_BIN, ['-p', dir, '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const errors = (): string => stderr + (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
  try {
    await waitForPort(port, child, errors);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    log,
    async stop() {
      if (child.exitCode === null) {
        // SIGQUIT: graceful shutdown, the log is complete when nginx is gone.
        child.kill('SIGQUIT');
        await once(child, 'exit');
      }
    },
  };
}

/** Removes what {@link startNginx} left in its folder (call after reading the log). */
export function removeNginxDir(n: Nginx): void {
  rmSync(resolve(n.log, '..'), { recursive: true, force: true });
}
