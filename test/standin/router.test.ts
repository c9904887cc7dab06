/**
 * The stand-in's router: every operation the classifier names has its own handler, and what it cannot
 * name is answered with OBS's NotImplemented error, as the single switch it replaced did.
 */
import type http from 'node:http';
import { HttpError, type Ctx, type Env } from '../../src/standin/context';
import { notImplemented } from '../../src/standin/handlers/subresource';
import { classify, parseQuery, resolveTarget, type StandinOperation } from '../../src/standin/route';
import { ROUTES, route } from '../../src/standin/router';
import { startStandin } from '../../src/standin/server';

const METHODS = ['GET', 'PUT', 'POST', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH'];
const PATHS = ['/', '/bkt', '/bkt/key'];
const QUERIES = [
  '',
  '?apiversion',
  '?uploads',
  '?uploadId=U',
  '?partNumber=1&uploadId=U',
  '?append&position=0',
  '?delete',
  '?acl',
  '?tagging',
  '?prefix=p',
];
const HEADERS: Record<string, string>[] = [
  {},
  { 'x-obs-copy-source': 'src/k' },
  { 'x-amz-copy-source': 'src/k' },
  { 'content-type': 'multipart/form-data; boundary=b' },
];

/** Every operation `classify` returns over methods × paths × queries × headers. */
function classifiedOperations(): Set<StandinOperation> {
  const seen = new Set<StandinOperation>();
  for (const method of METHODS)
    for (const path of PATHS)
      for (const q of QUERIES)
        for (const headers of HEADERS) {
          const raw = `${path}${q}`;
          const target = resolveTarget('127.0.0.1:9000', raw, ['localhost']);
          seen.add(classify(method, target, parseQuery(raw), (n) => headers[n.toLowerCase()]));
        }
  return seen;
}

describe('stand-in router', () => {
  it('has a handler for each operation the classifier names, and none for an operation it never names', () => {
    const classified = [...classifiedOperations()].sort();
    expect(classified).toEqual(Object.keys(ROUTES).sort());
    for (const op of classified) {
      expect(typeof ROUTES[op]).toBe('function');
      // Only what the classifier could not name falls through to NotImplemented.
      if (op !== 'Unknown') expect(ROUTES[op]).not.toBe(notImplemented);
    }
  });

  it('answers an operation outside the table with NotImplemented, even one named like an Object property', () => {
    const env = {} as Env;
    for (const op of ['Unknown', 'NoSuchOperation', 'constructor', 'toString', '__proto__']) {
      // Only what notImplemented reads is filled in: the table lookup must not reach any other handler.
      const ctx = { op, req: { method: 'PATCH' } as http.IncomingMessage } as unknown as Ctx;
      let thrown: unknown;
      try {
        route(ctx, env);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(HttpError);
      expect(thrown).toMatchObject({
        status: 501,
        code: 'NotImplemented',
        message: 'The stand-in does not implement PATCH on this resource.',
      });
    }
  });

  it('answers a request it cannot classify with the OBS error document and headers', async () => {
    const standin = await startStandin();
    try {
      const res = await fetch(`${standin.url}/bkt/key`, { method: 'PATCH' });
      const body = await res.text();
      expect(res.status).toBe(501);
      expect(res.headers.get('content-type')).toBe('application/xml');
      expect(res.headers.get('x-obs-error-code')).toBe('NotImplemented');
      expect(res.headers.get('x-obs-error-message')).toBe(
        'The stand-in does not implement PATCH on this resource.',
      );
      const requestId = res.headers.get('x-obs-request-id') ?? '';
      expect(requestId).toMatch(/^[0-9A-F]{32}$/);
      expect(body).toMatch(
        new RegExp(
          '^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<Error><Code>NotImplemented</Code>' +
            '<Message>The stand-in does not implement PATCH on this resource.</Message>' +
            `<RequestId>${requestId}</RequestId><HostId>${requestId}[0-9A-F]{8}</HostId></Error>$`,
        ),
      );
      expect(standin.exchanges).toEqual([
        expect.objectContaining({ operation: 'Unknown', status: 501, errorCode: 'NotImplemented' }),
      ]);
    } finally {
      await standin.close();
    }
  });
});
