import { blockedMessage, obsErrorXml } from '../../src/proxy/errors';
import { xmlEscape } from '../../src/xml';
import { exchangeLogLine, type ExchangeLogFields } from '../../src/guard/log';
import { loggableDiagnostics, stripHopByHop, toPairs } from '../../src/proxy/headers';

const LINE: ExchangeLogFields = {
  startedAt: new Date(0),
  method: 'GET',
  url: '/',
  operation: undefined,
  verdict: 'pass',
  codes: [],
  responseCodes: [],
  diagnostics: [],
  status: 200,
  upstreamMs: 1,
  addedMs: 0,
  totalMs: 1,
};

describe('log URLs go through the one redaction in src/redact.ts', () => {
  // The proxy had its own copy once; these are the cases that copy covered, held against the shared one.
  test.each([
    ['/b/k', '/b/k'],
    ['/b/k?acl', '/b/k?acl'],
    [
      '/b/k?AccessKeyId=AK&Expires=9&Signature=abc%2Bdef',
      '/b/k?AccessKeyId=%5BREDACTED%5D&Expires=9&Signature=%5BREDACTED%5D',
    ],
    [
      '/b/k?x-obs-security-token=T&policy=P',
      '/b/k?x-obs-security-token=%5BREDACTED%5D&policy=%5BREDACTED%5D',
    ],
    [
      '/b/k?X-Amz-Algorithm=A&X-Amz-Credential=C&X-Amz-Signature=S&uploadId=U',
      '/b/k?X-Amz-Algorithm=A&X-Amz-Credential=%5BREDACTED%5D&X-Amz-Signature=%5BREDACTED%5D&uploadId=U',
    ],
    ['/b/k?%53ignature=encoded-name', '/b/k?%53ignature=%5BREDACTED%5D'],
    [
      '/b/k?AWSAccessKeyId=AK&x-obs-server-side-encryption=kms',
      '/b/k?AWSAccessKeyId=%5BREDACTED%5D&x-obs-server-side-encryption=kms',
    ],
    [
      '/b/k?x-obs-server-side-encryption-customer-key=K',
      '/b/k?x-obs-server-side-encryption-customer-key=%5BREDACTED%5D',
    ],
    ['/b/k?bad=%E0%A4%A&Signature=s', '/b/k?bad=%E0%A4%A&Signature=%5BREDACTED%5D'],
  ])('%s', (input, expected) => {
    expect(exchangeLogLine({ ...LINE, url: input }).url).toBe(expected);
  });
});

describe('stripHopByHop', () => {
  test('removes RFC 9110 hop-by-hop fields and the ones Connection names, in any case, keeping order', () => {
    const raw = [
      'Host',
      'h',
      'CONNECTION',
      'close, X-A',
      'connection',
      'x-b',
      'X-A',
      '1',
      'x-b',
      '2',
      'Keep-Alive',
      't',
      'Transfer-Encoding',
      'chunked',
      'TE',
      'trailers',
      'Trailer',
      'x',
      'Upgrade',
      'h2c',
      'Proxy-Connection',
      'k',
      'Proxy-Authorization',
      'p',
      'x-obs-meta-z',
      'z',
      'x-obs-meta-a',
      'a',
    ];
    expect(stripHopByHop(raw)).toEqual([
      ['Host', 'h'],
      ['x-obs-meta-z', 'z'],
      ['x-obs-meta-a', 'a'],
    ]);
    expect(stripHopByHop(raw, new Set(['host']))).toEqual([
      ['x-obs-meta-z', 'z'],
      ['x-obs-meta-a', 'a'],
    ]);
  });

  test('toPairs keeps repeated fields separate', () => {
    expect(toPairs(['a', '1', 'A', '2'])).toEqual([
      ['a', '1'],
      ['A', '2'],
    ]);
  });
});

describe('errors', () => {
  test('xmlEscape escapes markup and replaces characters XML cannot carry', () => {
    expect(xmlEscape(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(xmlEscape('nul\u0000bell\u0007tab\tok')).toBe('nul\uFFFDbell\uFFFDtab\tok');
    expect(xmlEscape('lone \uD800 surrogate, pair \uD83D\uDE00')).toBe(
      'lone \uFFFD surrogate, pair \uD83D\uDE00',
    );
  });

  test('obsErrorXml builds the OBS error document with the mapped status', () => {
    const doc = obsErrorXml('GatewayTimeout', 'slow <upstream>', 'ABC');
    expect(doc.status).toBe(504);
    expect(doc.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>GatewayTimeout</Code><Message>slow &lt;upstream&gt;</Message><RequestId>ABC</RequestId><HostId>obs-sse-proxy</HostId></Error>',
    );
  });

  test('blockedMessage names every code', () => {
    expect(blockedMessage(['a/b', 'c/d'], 'bad key')).toBe(
      'Blocked by obs-sse proxy before reaching OBS: bad key [a/b, c/d]',
    );
    expect(blockedMessage([])).toContain('SSE header check failed [no code given]');
  });

  test('loggableDiagnostics drops everything but code, severity and header', () => {
    expect(
      loggableDiagnostics([
        { code: 'x', severity: 'error', header: 'h', received: 'SECRET', message: 'value SECRET is bad' },
        'not an object',
        { code: 5 },
      ]),
    ).toEqual([{ code: 'x', severity: 'error', header: 'h' }, {}, {}]);
  });
});
