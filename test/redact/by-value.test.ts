/**
 * Redaction by value (src/redact-values.ts through src/redact.ts): a 256-bit key is found in any of its
 * spellings wherever it sits, an exchange's secrets of any length are found in every spelling, names
 * that carry keys are recognised however they are spelt, and the words this project prints (header
 * names, upload ids) are left alone.
 */
import fc from 'fast-check';

import {
  exchangeSecrets,
  isKeyName,
  isSecretQueryParam,
  redactByValue,
  redactText,
  redactUrl,
  REDACTED,
} from '../../src/redact';
import { toHarEntry } from '../../src/har/writer';
import { keyRunSpans, SecretValues } from '../../src/redact-values';
import { rules } from '../support/arbitraries';
import { leaksIn, type TestKey } from '../support/leaks';

const keyOf = (bytes: Uint8Array): TestKey => {
  const b = Buffer.from(bytes);
  return {
    bytes: b,
    b64: b.toString('base64'),
    md5: '',
    hex: b.toString('hex'),
    url: b.toString('base64url'),
  };
};
// Random keys, and keys of one repeated byte (`AAAA…`, `/Pz8/Pz8…`), which people do use in tests.
const anyKey = (size = 32) =>
  fc
    .oneof(
      fc.uint8Array({ minLength: size, maxLength: size }),
      fc.integer({ min: 0, max: 255 }).map((b) => new Uint8Array(size).fill(b)),
    )
    .map(keyOf);

/** Every way a key is written into text: its encodings, escaped once or twice, hex in either case. */
const written = (k: TestKey): fc.Arbitrary<string> =>
  fc.constantFrom(
    k.b64,
    k.b64.replace(/=+$/, ''),
    k.url,
    encodeURIComponent(k.b64),
    encodeURIComponent(encodeURIComponent(k.b64)),
    k.hex,
    k.hex.toUpperCase(),
  );
const before = fc.constantFrom(
  '',
  ' ',
  '/',
  '/bucket/',
  'x-',
  'k=',
  '?a=1&k=',
  '"',
  '<ArgumentValue>',
  ': ',
  '#',
);
const after = fc.constantFrom('', ' ', '.bin', '&b=2', '"', '</ArgumentValue>', '/x', '-x', ';v=1', '\n');

describe('a 256-bit key is found by its shape alone', () => {
  it('in any encoding, escaped or not, wherever it is put', () => {
    fc.assert(
      fc.property(
        anyKey().chain((k) => fc.tuple(fc.constant(k), before, written(k), after)),
        ([k, pre, key, post]) => {
          const text = `${pre}${key}${post}`;
          for (const out of [redactByValue(text), redactText(text), redactUrl(text)]) {
            expect(leaksIn(out, { k })).toEqual([]);
          }
          expect(redactByValue(text)).toContain(REDACTED);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('spans a key exactly when it stands alone', () => {
    fc.assert(
      fc.property(anyKey(), (k) => {
        expect(keyRunSpans(`a ${k.b64} b`)).toContainEqual([2, 2 + 44]);
        expect(keyRunSpans(k.hex)).toContainEqual([0, 64]);
      }),
    );
  });

  it('leaves every header name of the catalogue alone, in any case and with any prefix', () => {
    const names = [
      ...rules.headers.map((h) => h.name),
      ...Object.values(rules.s3.headers).map((h) => h!.name),
    ];
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const title = name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
      for (const n of [name, name.toLowerCase(), name.toUpperCase(), title, `${name}-MD5`]) {
        expect(redactByValue(`${n}: value`)).toBe(`${n}: value`);
      }
    }
  });

  it('in a recording, leaves upload ids alone; in printed text, takes long random runs too', () => {
    const obsUploadId = '000001648453845DBB78F2340DD460D8';
    const s3UploadId = 'VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA';
    const url = `/b/k?uploadId=${obsUploadId}&partNumber=1&x=${s3UploadId}`;
    const recording = new SecretValues();
    recording.recording = true;
    expect(redactUrl(url, recording)).toBe(url);
    expect(redactUrl(url)).toBe(`/b/k?uploadId=${obsUploadId}&partNumber=1&x=%5BREDACTED%5D`);
  });

  it('in printed text, finds a key glued to other characters', () => {
    fc.assert(
      fc.property(anyKey(), fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), (k, glue) => {
        for (const text of [`${k.b64.replace(/=+$/, '')}${glue}`, `${glue}${k.url}`]) {
          expect(leaksIn(redactByValue(text), { k })).toEqual([]);
        }
      }),
    );
  });
});

describe('the secrets of an exchange', () => {
  it('are redacted in every spelling, whatever their length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 6, max: 48 }).chain((n) => anyKey(n)),
        fc.constantFrom(
          'x-obs-server-side-encryption-customer-key',
          'X-Amz-Server-Side-Encryption-Customer-Keys',
          'SSECustomerKey',
        ),
        (k, header) => {
          const secrets = exchangeSecrets({ headers: [[header, k.b64]] });
          for (const spelling of [k.b64, encodeURIComponent(k.b64), k.url, k.hex.toUpperCase()]) {
            const text = `/b/o?note=${spelling}#${spelling}`;
            expect(leaksIn(redactUrl(text, secrets), { k })).toEqual([]);
            expect(leaksIn(redactByValue(`saw ${spelling}.`, secrets), { k })).toEqual([]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('include the values of key-named query parameters, in the query and the fragment', () => {
    const secrets = exchangeSecrets({ url: '/b/o?SSECustomerKey=short-key-1#customer%252Dkey=short-key-2' });
    expect(redactByValue('short-key-1 and short-key-2', secrets)).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it('do not include words under 8 characters, which would blank out everything', () => {
    const secrets = exchangeSecrets({ headers: [['x-obs-server-side-encryption-customer-key', 'AES256']] });
    expect(redactByValue('AES256', secrets)).toBe('AES256');
  });
});

describe('names that carry a key', () => {
  it.each([
    'x-obs-server-side-encryption-customer-key',
    'x-amz-copy-source-server-side-encryption-customer-key',
    'X-OBS-Server-Side-Encryption-Customer-Keys',
    'SSECustomerKey',
    'x-obs-server-side-encryption-customer%252Dkey',
    'customer%2Dkey',
  ])('%s is a key name', (name) => {
    expect(isKeyName(name)).toBe(true);
    expect(isSecretQueryParam(name)).toBe(true);
  });

  it.each([
    'x-obs-server-side-encryption-customer-key-MD5',
    'SSECustomerKeyMD5',
    'SSECustomerAlgorithm',
    'key',
  ])('%s is not', (name) => expect(isKeyName(name)).toBe(false));
});

it('an XML error that echoes a secret argument loses the value, whatever the value', () => {
  const xml =
    '<Error><Code>InvalidArgument</Code><ArgumentName>x-obs-server-side-encryption-customer-key</ArgumentName>' +
    '<ArgumentValue>not-a-real-key</ArgumentValue></Error>';
  expect(redactText(xml)).toContain(`<ArgumentValue>${REDACTED}</ArgumentValue>`);
  const other = xml.replace('customer-key', 'customer-algorithm');
  expect(redactText(other)).toBe(other);
});

it('a HAR keeps the upload ids lint needs to tie parts to their upload, and loses the keys', () => {
  const k = keyOf(Buffer.alloc(32, 9));
  const id = 'VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA';
  const entry = toHarEntry({
    startedDateTime: new Date(0),
    method: 'PUT',
    url: `https://b.obs.example.com/o?partNumber=1&uploadId=${id}&note=${encodeURIComponent(k.b64)}`,
    requestHeaders: [['x-obs-server-side-encryption-customer-key', k.b64]],
    status: 200,
    responseHeaders: [['Content-Type', 'application/xml']],
    responseBodyText: `<InitiateMultipartUploadResult><UploadId>${id}</UploadId><Echo>${k.hex}</Echo></InitiateMultipartUploadResult>`,
  });
  const text = JSON.stringify(entry);
  expect(entry.request.url).toContain(`uploadId=${id}`);
  expect(entry.response.content.text).toContain(`<UploadId>${id}</UploadId>`);
  expect(leaksIn(text, { k })).toEqual([]);
});
