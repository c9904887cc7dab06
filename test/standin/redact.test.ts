import fc from 'fast-check';
import {
  REDACTED,
  SECRET_HEADER_NAMES,
  isSecretHeader,
  redactFormFields,
  redactHeaderValue,
  redactHeaders,
  redactText,
  redactUrl,
  redactUrlencodedText,
} from '../../src/redact';
import { TEST_CUSTOMER_KEY, TEST_CUSTOMER_KEY_MD5 } from '../support/sdk';

const KEY = TEST_CUSTOMER_KEY.toString('base64');
const KEY_URL = encodeURIComponent(KEY);

const CUSTOMER_KEY_HEADERS = [
  'x-obs-server-side-encryption-customer-key',
  'x-obs-copy-source-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key',
];

// Randomly re-cases a name, as HTTP allows.
const recase = (name: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((flags) => [...name].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

describe('SECRET_HEADER_NAMES', () => {
  it('lists the four customer-key headers and the credentials, all lower-case', () => {
    expect([...SECRET_HEADER_NAMES].sort()).toEqual(
      [
        ...CUSTOMER_KEY_HEADERS,
        'authorization',
        'x-obs-security-token',
        'x-amz-security-token',
        'proxy-authorization',
        'cookie',
      ].sort(),
    );
    for (const name of SECRET_HEADER_NAMES) expect(name).toBe(name.toLowerCase());
  });

  it('does not treat the key fingerprints (-key-MD5) as secret', () => {
    for (const name of CUSTOMER_KEY_HEADERS) {
      expect(isSecretHeader(`${name}-MD5`)).toBe(false);
      expect(isSecretHeader(name.toUpperCase())).toBe(true);
    }
  });
});

describe('redactHeaderValue / redactHeaders', () => {
  it('replaces secret values and keeps the rest', () => {
    expect(redactHeaderValue('X-Obs-Server-Side-Encryption-Customer-Key', KEY)).toBe(REDACTED);
    expect(redactHeaderValue('x-obs-server-side-encryption-customer-key-MD5', TEST_CUSTOMER_KEY_MD5)).toBe(
      TEST_CUSTOMER_KEY_MD5,
    );
    expect(redactHeaderValue('cookie', ['a=1', 'b=2'])).toEqual([REDACTED, REDACTED]);
    expect(redactHeaderValue('content-length', 5)).toBe(5);
  });

  it('keeps pairs as pairs, in order, without modifying the input', () => {
    const pairs: [string, string][] = [
      ['Host', 'bkt.localhost'],
      ['x-amz-copy-source-server-side-encryption-customer-key', KEY],
      ['Authorization', 'OBS AK:sig'],
      ['x-amz-server-side-encryption-customer-key-MD5', TEST_CUSTOMER_KEY_MD5],
    ];
    const copy = pairs.map((p) => [...p]);
    expect(redactHeaders(pairs)).toEqual([
      ['Host', 'bkt.localhost'],
      ['x-amz-copy-source-server-side-encryption-customer-key', REDACTED],
      ['Authorization', REDACTED],
      ['x-amz-server-side-encryption-customer-key-MD5', TEST_CUSTOMER_KEY_MD5],
    ]);
    expect(pairs).toEqual(copy);
  });

  it('keeps objects as objects, with the keys as spelled', () => {
    const headers = {
      'X-Obs-Security-Token': 'tok',
      'x-obs-server-side-encryption': 'kms',
      'set-cookie': ['a'],
    };
    expect(redactHeaders(headers)).toEqual({
      'X-Obs-Security-Token': REDACTED,
      'x-obs-server-side-encryption': 'kms',
      'set-cookie': ['a'],
    });
  });

  it('never lets a secret header value through, whatever the case of its name', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SECRET_HEADER_NAMES).chain(recase),
        fc.string({ minLength: 1 }),
        (name, value) => {
          const [[, out]] = redactHeaders([[name, value]]) as [[string, string]];
          return (
            out === REDACTED &&
            (redactHeaders({ [name]: value }) as Record<string, unknown>)[name] === REDACTED
          );
        },
      ),
    );
  });
});

describe('redactUrl', () => {
  it('redacts the pre-signed credentials of OBS, S3 v2 and S3 v4, case-insensitively', () => {
    expect(
      redactUrl(
        'https://bkt.obs.cn-north-4.myhuaweicloud.com/k?AccessKeyId=AK&Expires=1&Signature=abc%2B%3D',
      ),
    ).toBe(
      `https://bkt.obs.cn-north-4.myhuaweicloud.com/k?AccessKeyId=%5BREDACTED%5D&Expires=1&Signature=%5BREDACTED%5D`,
    );
    expect(redactUrl('/b/k?awsaccesskeyid=AK&SIGNATURE=s&x-amz-security-token=t&policy=p')).toBe(
      '/b/k?awsaccesskeyid=%5BREDACTED%5D&SIGNATURE=%5BREDACTED%5D&x-amz-security-token=%5BREDACTED%5D&policy=%5BREDACTED%5D',
    );
    expect(
      redactUrl(
        'http://h/k?X-Amz-Credential=AK%2F20250101%2Fr%2Fs3%2Faws4_request&X-Amz-Signature=ff&X-Amz-Date=d',
      ),
    ).toBe('http://h/k?X-Amz-Credential=%5BREDACTED%5D&X-Amz-Signature=%5BREDACTED%5D&X-Amz-Date=d');
    expect(redactUrl('http://h/k?X-Obs-Security-Token=t&x-obs-security-token=u')).toBe(
      'http://h/k?X-Obs-Security-Token=%5BREDACTED%5D&x-obs-security-token=%5BREDACTED%5D',
    );
  });

  it('redacts a secret header used as a query parameter, even percent-encoded, and keeps the MD5', () => {
    const url = `http://h/k?x-obs-server-side-encryption-customer-key=${KEY_URL}&x-obs-server-side-encryption-customer-key-MD5=${encodeURIComponent(TEST_CUSTOMER_KEY_MD5)}`;
    const out = redactUrl(url);
    expect(out).not.toContain(KEY_URL);
    expect(out).toContain(encodeURIComponent(TEST_CUSTOMER_KEY_MD5));
    expect(
      redactUrl(`http://h/k?x%2Dobs%2Dserver%2Dside%2Dencryption%2Dcustomer%2Dkey=${KEY_URL}`),
    ).not.toContain(KEY_URL);
  });

  it('keeps everything else byte for byte, fragment and odd encodings included', () => {
    const url = 'http://h:8080/a%20b/c?uploads&partNumber=1&x=%E2%82%AC+y&&empty=#frag?Signature=not-a-query';
    expect(redactUrl(url)).toBe(url);
    expect(redactUrl('http://h/k?Signature')).toBe('http://h/k?Signature');
  });

  it('redacts the password of userinfo', () => {
    expect(redactUrl('http://user:secret@proxy:3128/x')).toBe('http://user:%5BREDACTED%5D@proxy:3128/x');
  });

  it('never throws, and never lets a credential value through, on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof redactUrl(s) === 'string'));
    fc.assert(
      fc.property(
        fc.webUrl(),
        fc
          .constantFrom('Signature', 'AccessKeyId', 'X-Amz-Credential', 'Policy', ...CUSTOMER_KEY_HEADERS)
          .chain(recase),
        fc.stringMatching(/^[A-Za-z0-9]{12,40}$/),
        (base, name, secret) => {
          const sep = base.includes('?') ? '&' : '?';
          const hashAt = base.indexOf('#');
          const url =
            hashAt < 0 ? `${base}${sep}${name}=${secret}` : `${base.slice(0, hashAt)}${sep}${name}=${secret}`;
          return !redactUrl(url).includes(`=${secret}`);
        },
      ),
    );
  });

  it('handles malformed escapes without throwing', () => {
    expect(redactUrl('/k?Signature=%E0%A4%A&%zz=1')).toBe('/k?Signature=%5BREDACTED%5D&%zz=1');
  });
});

describe('redactFormFields', () => {
  it('redacts the SSE-C key, the policy, the signature and the token in every shape', () => {
    expect(
      redactFormFields([
        { name: 'key', value: 'a.txt' },
        { name: 'X-OBS-Server-Side-Encryption-Customer-Key', value: KEY },
        { name: 'x-obs-server-side-encryption-customer-key-MD5', value: TEST_CUSTOMER_KEY_MD5 },
        { name: 'policy', value: 'eyJ...' },
        { name: 'signature', value: 's' },
        { name: 'token', value: 'ak:s:p' },
        { name: 'file', fileName: 'a.txt', contentType: 'text/plain' },
      ]),
    ).toEqual([
      { name: 'key', value: 'a.txt' },
      { name: 'X-OBS-Server-Side-Encryption-Customer-Key', value: REDACTED },
      { name: 'x-obs-server-side-encryption-customer-key-MD5', value: TEST_CUSTOMER_KEY_MD5 },
      { name: 'policy', value: REDACTED },
      { name: 'signature', value: REDACTED },
      { name: 'token', value: REDACTED },
      { name: 'file', fileName: 'a.txt', contentType: 'text/plain' },
    ]);
    expect(redactFormFields([['x-amz-server-side-encryption-customer-key', KEY]])).toEqual([
      ['x-amz-server-side-encryption-customer-key', REDACTED],
    ]);
    expect(redactFormFields({ 'x-amz-security-token': 't', acl: 'private' })).toEqual({
      'x-amz-security-token': REDACTED,
      acl: 'private',
    });
  });

  it('redacts urlencoded form text and leaves the rest of it alone', () => {
    const text = `key=a&x-obs-server-side-encryption-customer-key=${KEY_URL}&acl=private`;
    expect(redactUrlencodedText(text)).toBe(
      'key=a&x-obs-server-side-encryption-customer-key=%5BREDACTED%5D&acl=private',
    );
  });
});

describe('redactText', () => {
  it('removes key values from header lines, JSON, XML and form text, and keeps MD5 fingerprints', () => {
    const samples = [
      `x-obs-server-side-encryption-customer-key: ${KEY}\nx-obs-server-side-encryption-customer-key-MD5: ${TEST_CUSTOMER_KEY_MD5}`,
      JSON.stringify({ 'x-amz-server-side-encryption-customer-key': KEY, other: 1 }),
      `<x-obs-server-side-encryption-customer-key>${KEY}</x-obs-server-side-encryption-customer-key>`,
      `a=1&x-obs-copy-source-server-side-encryption-customer-key=${KEY}&b=2`,
      `Authorization: OBS AK:${KEY}`,
    ];
    for (const s of samples) expect(redactText(s)).not.toContain(KEY);
    expect(redactText(samples[0] as string)).toContain(TEST_CUSTOMER_KEY_MD5);
    expect(redactText('nothing secret here: x-obs-server-side-encryption: kms')).toBe(
      'nothing secret here: x-obs-server-side-encryption: kms',
    );
  });
});
