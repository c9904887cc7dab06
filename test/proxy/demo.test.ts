/**
 * `npm run demo:proxy` as a newcomer meets it: both servers start on loopback, the printed instructions
 * point at the proxy, a wrong request is stopped with a reason, and Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { request } from './helpers';

test('the demo starts the stand-in and the proxy, shows a wrong request stopped, and stops on SIGINT', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo-proxy.ts', '--standin-port', '0', '--proxy-port', '0'],
    { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not get ready: ${out}${err}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/^ready$/m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const port = Number(/obs-sse proxy .*http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    expect(out).toMatch(/OBS stand-in \(HTTPS, private CA made for this run\): https:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain(`npx tsx test/support/run-scenarios.ts --port ${port} --mode s3`);
    expect(out).toContain('a correct SSE-KMS upload got 200; a wrong one got 400:');
    expect(out).toContain('value/not-allowed on x-obs-server-side-encryption');
    // One of the printed curl examples, sent the way curl would.
    const res = await request(port, {
      method: 'PUT',
      path: '/demo/bad.txt',
      headers: { 'x-obs-server-side-encryption': 'KMS' },
      body: 'hello',
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('[value/not-allowed]');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopped after 2 exchanges reached the stand-in/);
  } finally {
    child.kill('SIGKILL');
  }
});
