/**
 * Finding 1: a PostObject form part whose Content-Disposition has no plain `name=` (`form-data` alone,
 * or RFC 5987 `name*=UTF-8''…`) made busboy hand an undefined name to a listener that threw inside a
 * stream event, killing the proxy (and leaving its HAR unterminated), the middleware's app and
 * `obs-sse check`, and making the undici interceptor reject with a bare TypeError. Each path now reports
 * `form/unchecked` (an error by default: a form that cannot be read cannot be vouched for) and lives on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as undiciRequest } from 'undici';

import { guardErrorOf } from '../../src/guard/error';
import { obsSseMiddleware } from '../../src/guard/middleware';
import { obsSseGuard } from '../../src/guard/undici';
import { freshBin } from '../support/dist';
import { startUpstream, type Upstream } from '../proxy/helpers';
import {
  hostileForm,
  NAMELESS_DISPOSITIONS,
  readHar,
  sendRaw,
  startBinProxy,
  stopBinProxy,
  type RawRequest,
} from './support';

let upstream: Upstream;
let dir: string;
beforeAll(async () => {
  upstream = await startUpstream();
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-adv-form-'));
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function postObject(disposition: string): RawRequest {
  const form = hostileForm(disposition);
  return {
    method: 'POST',
    target: '/photos',
    headers: [
      ['Host', '127.0.0.1'],
      ['Content-Type', form.type],
    ],
    body: form.body,
  };
}

const GOOD_GET: RawRequest = { method: 'GET', target: '/photos/a.jpg', headers: [['Host', '127.0.0.1']] };

describe.each(['enforce', 'report'] as const)('obs-sse proxy --mode %s', (mode) => {
  it.each(NAMELESS_DISPOSITIONS)('survives a part with Content-Disposition: %s', async (disposition) => {
    const har = join(dir, `${mode}-${disposition.length}.har`);
    const proxy = await startBinProxy(['--upstream', upstream.url.origin, '--mode', mode, '--har', har]);
    try {
      const before = upstream.received.length;
      const res = await sendRaw(proxy.port, postObject(disposition));
      if (mode === 'enforce') {
        expect(res?.status).toBe(400);
        expect(res?.body).toContain('form/unchecked');
        // Blocked before any byte went on.
        expect(upstream.received.length).toBe(before);
      } else {
        expect(res?.status).toBe(200);
        expect(upstream.received.length).toBe(before + 1);
      }
      // Still up, still answering.
      expect((await sendRaw(proxy.port, GOOD_GET))?.status).toBe(200);
      const line = proxy.logs().find((l) => l.event === 'exchange' && l.method === 'POST');
      expect(line?.codes).toContain('form/unchecked');
      expect(line?.verdict).toBe(mode === 'enforce' ? 'blocked' : 'reported');
    } finally {
      const exit = await stopBinProxy(proxy);
      expect(exit.code).toBe(0);
    }
    // The HAR is complete JSON holding both exchanges.
    expect(readHar(har).log.entries).toHaveLength(2);
  });
});

describe('obsSseMiddleware', () => {
  it.each(NAMELESS_DISPOSITIONS)('answers form/unchecked for %s and keeps serving', async (disposition) => {
    const lines: Array<Record<string, unknown>> = [];
    let reached = 0;
    const mw = obsSseMiddleware({ upstreamScheme: 'https', log: (l) => lines.push(l as never) });
    const server = http.createServer((req, res) =>
      mw(req, res, () => {
        reached += 1;
        req.resume();
        req.on('end', () => res.end('forwarded'));
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const res = await sendRaw(port, postObject(disposition));
      expect(res?.status).toBe(400);
      expect(res?.body).toContain('form/unchecked');
      expect(reached).toBe(0);
      expect((await sendRaw(port, GOOD_GET))?.status).toBe(200);
      expect(reached).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('obsSseGuard (undici interceptor)', () => {
  it.each(NAMELESS_DISPOSITIONS)('rejects with ObsSseGuardError for %s', async (disposition) => {
    const agent = new Agent().compose(obsSseGuard({ log: () => undefined }));
    const before = upstream.received.length;
    const form = hostileForm(disposition);
    const err = await undiciRequest(`${upstream.url.origin}/photos`, {
      method: 'POST',
      headers: { 'content-type': form.type },
      body: Buffer.from(form.body),
      dispatcher: agent,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await agent.close();
    expect(guardErrorOf(err)?.codes).toContain('form/unchecked');
    expect(upstream.received.length).toBe(before);
  });
});

describe('obs-sse check', () => {
  it.each(NAMELESS_DISPOSITIONS)('reads a form with a part %s and exits 0 or 1', async (disposition) => {
    const form = hostileForm(disposition);
    const message = `POST /photos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${form.type}\r\n\r\n${form.body}`;
    const run = spawnSync(process.execPath, [await freshBin(), 'check', '--format', 'json'], {
      input: message,
      encoding: 'utf8',
    });
    expect(run.stderr).not.toMatch(/TypeError|at .*\.js:\d+/);
    expect([0, 1]).toContain(run.status);
    expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
  });
});
