/**
 * A PostObject whose body is empty, through the middleware: an empty form holds no SSE field, so it passes
 * (as through the proxy), and the app's handler, which reads the body to its end, sees that end. It hung
 * before: peeking at the form made the empty stream emit 'end' before the handler listened for it.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { obsSseMiddleware } from '../../src/guard/middleware';
import { request } from '../proxy/helpers';

test('an empty PostObject body reaches the handler, which sees it end', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const mw = obsSseMiddleware({
    upstreamScheme: 'https',
    mode: 'report',
    log: (l) => lines.push(l as never),
  });
  const server = http.createServer((req, res) =>
    mw(req, res, () => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => res.end(`read ${bytes}`));
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const answered = request(port, {
      method: 'POST',
      path: '/forms',
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': '0' },
    });
    const hung = new Promise<'no answer in 5 s'>((r) =>
      setTimeout(() => r('no answer in 5 s'), 5000).unref(),
    );
    const res = await Promise.race([answered, hung]);
    expect(res === 'no answer in 5 s' ? res : [res.status, res.body]).toEqual([200, 'read 0']);
    expect(lines[0]).toMatchObject({
      operation: 'PostObject',
      verdict: 'pass',
      codes: [],
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
