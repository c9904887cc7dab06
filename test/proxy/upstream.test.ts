import { errors } from 'undici';

import { upstreamFailure } from '../../src/proxy/upstream';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('upstreamFailure: one classification for both transports', () => {
  test.each([
    ["undici's connect timeout", new errors.ConnectTimeoutError(), 'UND_ERR_CONNECT_TIMEOUT'],
    ["undici's headers timeout", new errors.HeadersTimeoutError(), 'UND_ERR_HEADERS_TIMEOUT'],
    ["undici's body timeout", new errors.BodyTimeoutError(), 'UND_ERR_BODY_TIMEOUT'],
    ["node:http's socket timeout (as upstream-http.ts raises it)", errno('ETIMEDOUT'), 'ETIMEDOUT'],
  ])('%s is a timeout (504), never retried', (_name, err, code) => {
    expect(upstreamFailure(err, false)).toEqual({ code, timeout: true, retryable: false });
  });

  test.each([
    ["undici's closed socket", new errors.SocketError('other side closed'), 'UND_ERR_SOCKET'],
    ['a reset', errno('ECONNRESET'), 'ECONNRESET'],
    ['a broken pipe', errno('EPIPE'), 'EPIPE'],
  ])('%s before any response may be retried, and not once the response has begun', (_name, err, code) => {
    expect(upstreamFailure(err, false)).toEqual({ code, timeout: false, retryable: true });
    expect(upstreamFailure(err, true)).toEqual({ code, timeout: false, retryable: false });
  });

  test.each([
    ['a refused connection', errno('ECONNREFUSED'), 'ECONNREFUSED'],
    ['an unresolvable name', errno('ENOTFOUND'), 'ENOTFOUND'],
    ['an untrusted certificate', errno('SELF_SIGNED_CERT_IN_CHAIN'), 'SELF_SIGNED_CERT_IN_CHAIN'],
    ["undici's rejected argument", new errors.InvalidArgumentError('invalid header'), 'UND_ERR_INVALID_ARG'],
  ])('%s is a 502 that names its code and is not retried', (_name, err, code) => {
    expect(upstreamFailure(err, false)).toEqual({ code, timeout: false, retryable: false });
  });

  test('anything else is named by its error name, or Error', () => {
    expect(upstreamFailure(new TypeError('x'), false).code).toBe('TypeError');
    expect(upstreamFailure('not an error', false).code).toBe('Error');
    expect(upstreamFailure(undefined, false).code).toBe('Error');
  });
});
