/**
 * Examples for the codes that only a whole exchange or a session can raise; rules/codes.json can only
 * hold single-message examples. `obs-sse explain` prints them and lints them through the real pipeline.
 */
import { sseCHeaders } from '../sse-c';
import type { InspectCode } from '../inspect';
import type { GuardRequest } from '../guard/contract';
import type { FormScan } from '../traffic/form';

/** One recorded exchange of an example, in the NDJSON input shape. */
export interface ExampleExchange {
  method: string;
  url: string;
  requestHeaders: [string, string][];
  status?: number;
  responseHeaders?: [string, string][];
  responseText?: string;
}

/** A short story that raises one exchange-level code. */
export interface ExchangeExample {
  title: string;
  exchanges: ExampleExchange[];
}

const HOST = 'https://photos.obs.cn-north-4.myhuaweicloud.com';
// Throwaway keys, derived so the examples are stable; they are still printed only through src/redact.ts.
const keyA = Object.entries(sseCHeaders(Buffer.alloc(32, 0x41)));
const keyB = Object.entries(sseCHeaders(Buffer.alloc(32, 0x42)));
const md5Of = (pairs: [string, string][]): string => pairs.find(([n]) => n.endsWith('-MD5'))?.[1] ?? '';
const xml = (id: string): string =>
  `<InitiateMultipartUploadResult><Bucket>photos</Bucket><Key>big.bin</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`;

/** The exchange-level codes a recording can show; `form/unchecked` comes only from a live body's reading. */
export type RecordedInspectCode = Exclude<
  InspectCode,
  'form/unchecked' | 'guard/check-failed' | 'guard/response-check-failed'
>;

/** The example of each exchange-level code the linter raises. */
export const EXCHANGE_EXAMPLES: Readonly<Record<RecordedInspectCode, ExchangeExample>> = {
  'session/key-mismatch': {
    title: 'A multipart upload opened with one SSE-C key, and a part sent with another',
    exchanges: [
      {
        method: 'POST',
        url: `${HOST}/big.bin?uploads`,
        requestHeaders: keyA,
        status: 200,
        responseHeaders: [
          ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
          ['x-obs-server-side-encryption-customer-key-MD5', md5Of(keyA)],
        ],
        responseText: xml('0000018C2F4A7B1E'),
      },
      { method: 'PUT', url: `${HOST}/big.bin?partNumber=1&uploadId=0000018C2F4A7B1E`, requestHeaders: keyB },
    ],
  },
  'append/key-mismatch': {
    title: 'An SSE-C appendable object created with one key, and a later append sent with another',
    exchanges: [
      {
        method: 'POST',
        url: `${HOST}/app.log?append&position=0`,
        requestHeaders: keyA,
        status: 200,
        responseHeaders: [
          ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
          ['x-obs-server-side-encryption-customer-key-MD5', md5Of(keyA)],
          ['x-obs-next-append-position', '1024'],
        ],
      },
      { method: 'POST', url: `${HOST}/app.log?append&position=1024`, requestHeaders: keyB },
    ],
  },
  'session/unknown-upload': {
    title: 'A part for an upload whose InitiateMultipartUpload the session store does not hold',
    exchanges: [
      { method: 'PUT', url: `${HOST}/big.bin?partNumber=2&uploadId=0000018C2F4A7B1E`, requestHeaders: keyA },
    ],
  },
  'response/md5-mismatch': {
    title: 'A response that echoes the MD5 of another key than the request sent',
    exchanges: [
      {
        method: 'GET',
        url: `${HOST}/report.pdf`,
        requestHeaders: keyA,
        status: 200,
        responseHeaders: [
          ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
          ['x-obs-server-side-encryption-customer-key-MD5', md5Of(keyB)],
        ],
      },
    ],
  },
  'response/method-mismatch': {
    title: 'A request for SSE-KMS answered with SSE-OBS (a bucket default or a proxy changed it)',
    exchanges: [
      {
        method: 'PUT',
        url: `${HOST}/report.pdf`,
        requestHeaders: [['x-obs-server-side-encryption', 'kms']],
        status: 200,
        responseHeaders: [['x-obs-server-side-encryption', 'AES256']],
      },
    ],
  },
  'operation/unlisted-sse': {
    title: 'An SSE header on DeleteObject, which takes none',
    exchanges: [
      {
        method: 'DELETE',
        url: `${HOST}/report.pdf`,
        requestHeaders: [['x-obs-server-side-encryption', 'kms']],
        status: 204,
        responseHeaders: [],
      },
    ],
  },
  'operation/invalid-sse': {
    title: 'A non-canonical path carrying an SSE-KMS header with a misspelt method',
    exchanges: [
      {
        method: 'PUT',
        url: `https://obs.cn-north-4.myhuaweicloud.com//photos/report.pdf`,
        requestHeaders: [['x-obs-server-side-encryption', 'KMSX']],
      },
    ],
  },
};

/** The example of `form/unchecked`: a live PostObject whose fields the guard cannot read in time. */
export const FORM_EXAMPLE: {
  code: 'form/unchecked';
  title: string;
  request: GuardRequest;
  form: FormScan;
  body: string;
} = {
  code: 'form/unchecked',
  title: 'A browser upload whose form puts 70 KiB of fields before the file part',
  request: {
    method: 'POST',
    url: '/',
    headers: [
      ['Host', 'photos.obs.cn-north-4.myhuaweicloud.com'],
      ['Content-Type', 'multipart/form-data; boundary=----form'],
    ],
    upstreamScheme: 'https',
  },
  form: { fields: [['key', 'holiday.jpg']], unread: 'limit' },
  body: 'key, then a 70 KiB x-obs-meta-notes field, then x-obs-server-side-encryption, then the file',
};

/** The examples of the guard's own failure codes: an injected guard that throws. */
export const GUARD_FAILURE_EXAMPLES: Readonly<
  Record<
    'guard/check-failed' | 'guard/response-check-failed',
    { title: string; phase: 'request' | 'response' }
  >
> = {
  'guard/check-failed': {
    title: 'An injected guard whose checkRequest throws, in enforce mode',
    phase: 'request',
  },
  'guard/response-check-failed': {
    title: 'An injected guard whose checkResponse throws on a 200 response',
    phase: 'response',
  },
};
