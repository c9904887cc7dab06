/**
 * generated/openapi.json, run through real OpenAPI validators, agrees with the engine on the part of the rules
 * OpenAPI can express: whether each SSE header is taken by the operation (and direction), and whether its
 * value is allowed (enumerations, base64 keys and MD5s of the right length, KMS key and project id forms).
 *
 * Outside that subset, and so not compared: the cross-header rules (SSE-C all-or-none, one method, key id
 * needs kms, data encryption needs kms, project id needs key id), the SSE-C key MD5, the dialect rule (one
 * message, one dialect), unknown SSE-looking headers, repeated headers, value trimming, and transport. Every
 * message compared is in one dialect, since a mixed message is outside the subset by definition.
 */
import fc from 'fast-check';
import type { HeaderDef } from '../../src/rules/model';
import type { Direction, Operation } from '../../src/types';
import { DOC_KEY_OLD, DOC_MD5, KEY_ID, PROJECT_ID, newKey } from '../helpers';
import { pairs, rules } from '../support/arbitraries';
import { recordSdk, recordedRequests, type Recording } from '../dialect/recorded';
import * as fs from 'node:fs';
import { DOC_FILE, engineVerdict, SUBSET, type Message } from './common';
import { startOas, type Oas } from './oas';

let oas: Oas;
beforeAll(async () => {
  oas = startOas();
  await oas.load(DOC_FILE);
});
afterAll(() => oas.close());

async function compare(m: Message): Promise<{ pairs: string[]; outside: string[] }> {
  const engine = engineVerdict(m);
  expect({ message: m, openapi: await oas.verdict(m) }).toEqual({ message: m, openapi: engine.pairs });
  return engine;
}

test('the subset compared here is the one the document declares', () => {
  const doc = JSON.parse(fs.readFileSync(DOC_FILE, 'utf8')) as {
    'x-obs-verdict-subset': { codes: string[] };
  };
  expect(doc['x-obs-verdict-subset'].codes).toEqual(SUBSET);
});

describe.each(['obs', 's3'] as const)(
  'requests and responses the official SDK exchanged in %s mode',
  (mode) => {
    let rec: Recording;
    beforeAll(async () => {
      rec = await recordSdk(mode);
    });

    test('get the same verdict from OpenAPI as from the engine', async () => {
      const tally = { requests: 0, responses: 0, refused: 0, outsideOnly: 0 };
      for (const req of recordedRequests(rec)) {
        const e = req.exchange;
        const url = new URL(e.url);
        const keyPart = e.key === undefined ? '' : `/${encodeURIComponent(e.key)}`;
        const path = `/${encodeURIComponent(req.classified.bucket)}${keyPart}${url.search}`;
        const verdict = await compare({
          operation: req.operation,
          direction: 'request',
          sse: req.sse,
          url: path,
        });
        tally.requests++;
        if (verdict.pairs.length) tally.refused++;
        else if (verdict.outside.length) tally.outsideOnly++;
        if (e.status >= 200 && e.status < 300) {
          compare({
            operation: req.operation,
            direction: 'response',
            sse: e.responseHeaders,
            status: e.status,
          });
          tally.responses++;
        }
      }
      // Not vacuous: both validators refused some requests, and some were refused only outside the subset.
      expect(tally.requests).toBeGreaterThan(40);
      expect(tally.responses).toBeGreaterThan(30);
      expect(tally.refused).toBeGreaterThanOrEqual(mode === 's3' ? 6 : 5);
      expect(tally.outsideOnly).toBeGreaterThan(3);
    });
  },
);

const S3 = (id: string) => rules.s3.headers[id as keyof typeof rules.s3.headers]!.name;
const named = (id: string) => rules.headers.find((h) => h.id === id)!.name;
const key = DOC_KEY_OLD;

/** Hand-made messages: one or more failures of each kind in the subset, in both dialects, and clean ones. */
const HAND_MADE: Message[] = [
  { operation: 'PutObject', direction: 'request', sse: [[named('sse'), 'kms']] },
  { operation: 'PutObject', direction: 'request', sse: [[named('sse'), 'obs']] },
  { operation: 'PutObject', direction: 'request', sse: [[S3('sse'), 'aws:AES256']] },
  { operation: 'CreateBucket', direction: 'request', sse: [[S3('sse'), 'AES256']] },
  {
    operation: 'CreateBucket',
    direction: 'request',
    sse: [
      [named('sse'), 'obs'],
      [named('data'), 'AES256'],
    ],
  },
  { operation: 'CreateBucket', direction: 'request', sse: [[named('project'), 'not-hex']] },
  { operation: 'PutObject', direction: 'request', sse: [[named('data'), 'AES256']] },
  {
    operation: 'GetObject',
    direction: 'request',
    sse: [
      [named('sse'), 'kms'],
      [named('kmsKey'), KEY_ID],
    ],
  },
  { operation: 'GetObject', direction: 'request', sse: [[S3('sse'), 'aws:kms']] },
  { operation: 'CompleteMultipartUpload', direction: 'request', sse: [[S3('cAlg'), 'AES256']] },
  {
    operation: 'UploadPart',
    direction: 'request',
    sse: [
      [S3('cAlg'), 'AES256'],
      [S3('cKey'), key],
      [S3('cMd5'), DOC_MD5],
    ],
  },
  {
    operation: 'UploadPart',
    direction: 'request',
    sse: [
      [named('cKey'), key.slice(4)],
      [named('cMd5'), 'short'],
    ],
  },
  {
    operation: 'UploadPartCopy',
    direction: 'request',
    sse: [
      [S3('srcAlg'), 'AES-256'],
      [S3('srcKey'), newKey(16)],
    ],
  },
  { operation: 'CopyObject', direction: 'request', sse: [[named('kmsKey'), 'a key with spaces']] },
  { operation: 'AppendObject', direction: 'request', sse: [[S3('kmsKey'), 'x'.repeat(300)]] },
  {
    operation: 'PostObject',
    direction: 'request',
    sse: [
      [S3('sse'), 'aws:kms'],
      [S3('kmsKey'), KEY_ID],
    ],
  },
  {
    operation: 'PostObject',
    direction: 'request',
    sse: [
      [named('sse'), 'AES256'],
      [named('srcAlg'), 'AES256'],
    ],
  },
  { operation: 'GetObject', direction: 'response', sse: [[named('cKey'), key]] },
  {
    operation: 'GetObject',
    direction: 'response',
    sse: [
      [S3('cAlg'), 'AES256'],
      [S3('cMd5'), DOC_MD5],
    ],
  },
  { operation: 'HeadObject', direction: 'response', sse: [[S3('sse'), 'kms']] },
  { operation: 'CopyObject', direction: 'response', sse: [[named('data'), 'SM4']] },
  { operation: 'PostObject', direction: 'response', sse: [[named('sse'), 'obs']], status: 204 },
];

test.each(HAND_MADE.map((m) => [`${m.operation} ${m.direction} ${JSON.stringify(m.sse)}`, m] as const))(
  'hand-made: %s',
  async (_, m) => {
    await compare(m);
  },
);

test('the hand-made messages reach every code of the subset', () => {
  const seen = new Set(HAND_MADE.flatMap((m) => engineVerdict(m).pairs.map((p) => p.split(' ')[0])));
  expect([...seen].sort()).toEqual(SUBSET);
});

/** Values worth trying for a header: valid ones and near misses of its kind. */
function candidates(h: HeaderDef): string[] {
  switch (h.valueKind) {
    case 'enumeration':
      return ['kms', 'obs', 'AES256', 'SM4', 'aws:kms', 'aws:AES256', 'KMS', 'AES128', ''];
    case 'base64-key-256':
      return [key, newKey(16), `${key.slice(0, -1)}A`, 'not base64!', ''];
    case 'base64-md5':
      return [DOC_MD5, DOC_MD5.replace('==', ''), key, ''];
    case 'kms-key-id':
      return [KEY_ID, 'bare-key-1', 'a key', 'k'.repeat(256), 'k'.repeat(257), ''];
    case 'project-id':
      return [PROJECT_ID, PROJECT_ID.toUpperCase(), `${PROJECT_ID}0`, ''];
  }
}

test('random one-dialect messages get the same verdict from OpenAPI as from the engine', async () => {
  const message = fc
    .tuple(fc.constantFrom(...pairs), fc.constantFrom('obs', 's3'))
    .chain(([[operation, direction], dialect]) => {
      const headers = rules.headers.filter((h) => dialect === 'obs' || rules.s3.headers[h.id]);
      return fc
        .subarray(headers, { minLength: 1 })
        .chain((hs) =>
          fc.tuple(...hs.map((h) => fc.constantFrom(...candidates(h)).map((v) => [h, v] as const))),
        )
        .map((entries): Message => ({
          operation: operation as Operation,
          direction: direction as Direction,
          sse: entries.map(
            ([h, v]) => [dialect === 'obs' ? h.name : rules.s3.headers[h.id]!.name, v] as const,
          ),
        }));
    });
  await fc.assert(
    fc.asyncProperty(message, async (m) => {
      await compare(m);
    }),
    { numRuns: 400 },
  );
});
