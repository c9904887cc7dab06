/**
 * A bounded fuzzer for `obs-sse lint`: recordings that carry generated customer keys in many places
 * (headers of every kind, the query and fragment, form fields, bodies, response headers), as HAR and
 * NDJSON, then mutated structurally (values swapped for other JSON types, fields dropped, names
 * changed) and byte by byte (cut, spliced, bytes inserted). Every run goes through the CLI's own entry
 * point in every format and must exit 0, 1 or 2, print no spelling of any generated key, and never
 * throw. Bounded in time: the property stops after {@link TIME_LIMIT_MS}, however many runs it made.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

import { runCli } from '../cli/helpers';
import { H, S3 } from '../helpers';
import { leaksIn, type TestKey } from '../support/leaks';

const TIME_LIMIT_MS = 15_000;
const HOST = 'https://b.obs.cn-north-4.myhuaweicloud.com';
const FORMATS = ['stylish', 'json', 'sarif', 'junit'] as const;

// Random keys, and degenerate ones (one byte repeated: `AAAA…`), which a shape test must take too.
const keyArb: fc.Arbitrary<TestKey> = fc
  .oneof(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.integer({ min: 0, max: 255 }).map((b) => new Uint8Array(32).fill(b)),
  )
  .map((u) => {
    const b = Buffer.from(u);
    return {
      bytes: b,
      b64: b.toString('base64'),
      md5: '',
      hex: b.toString('hex'),
      url: b.toString('base64url'),
    };
  });

/** How a key is written where it is put. */
const spelt = (k: TestKey) =>
  fc.constantFrom(
    k.b64,
    k.url,
    k.hex,
    encodeURIComponent(k.b64),
    encodeURIComponent(encodeURIComponent(k.b64)),
  );

const names = fc.constantFrom(
  H.cKey,
  H.srcKey,
  S3.cKey,
  `${H.cKey}s`,
  H.cMd5,
  H.kmsKey,
  H.cAlg,
  H.sse,
  'x-obs-meta-note',
  'SSECustomerKey',
  'x-obs-server-side-encryption-customer%252Dkey',
);

type Pairs = Array<[string, string]>;

interface Rec {
  method: string;
  url: string;
  requestHeaders: Pairs;
  status?: number;
  responseHeaders?: Pairs;
  postData?: { mimeType: string; params?: { name: string; value: string }[]; text?: string };
  responseText?: string;
}

/** One exchange with the key somewhere in it. */
const recordArb = (k: TestKey): fc.Arbitrary<Rec> =>
  fc
    .record({
      method: fc.constantFrom('GET', 'PUT', 'POST', 'HEAD', 'DELETE'),
      path: fc.constantFrom('/o.bin', '/', '/dir/o.bin', '//o.bin', `/${k.url}`),
      place: fc.constantFrom('header', 'query', 'fragment', 'semicolon', 'form', 'text', 'response', 'xml'),
      name: names,
      value: spelt(k),
      extra: fc.array(fc.tuple(names, fc.constantFrom('AES256', 'kms', 'KMSX', '', 'x'.repeat(50))), {
        maxLength: 3,
      }),
    })
    .map(({ method, path, place, name, value, extra }) => {
      const r: Rec = { method, url: `${HOST}${path}`, requestHeaders: [...extra] };
      if (place === 'header') r.requestHeaders.push([name, value]);
      if (place === 'query') r.url += `?SSECustomerAlgorithm=AES256&${name}=${value}`;
      if (place === 'fragment') r.url += `#${name}=${value}`;
      if (place === 'semicolon') r.url += `?a=1;${name}=${value}`;
      if (place === 'form') {
        r.requestHeaders.push(['Content-Type', 'multipart/form-data; boundary=x']);
        r.postData = { mimeType: 'multipart/form-data; boundary=x', params: [{ name, value }] };
      }
      if (place === 'text') {
        r.requestHeaders.push(['Content-Type', 'application/x-www-form-urlencoded']);
        r.postData = { mimeType: 'application/x-www-form-urlencoded', text: `key=o.bin&${name}=${value}` };
      }
      if (place === 'response') {
        r.status = 200;
        r.responseHeaders = [[name, value]];
      }
      if (place === 'xml') {
        r.status = 400;
        r.responseHeaders = [['Content-Type', 'application/xml']];
        r.responseText = `<Error><ArgumentName>${name}</ArgumentName><ArgumentValue>${value}</ArgumentValue></Error>`;
      }
      return r;
    });

/** A structural mutation: a value of another JSON type, a dropped field, a renamed field. */
const structural = fc.oneof(
  fc.record({
    kind: fc.constant('type' as const),
    field: fc.constantFrom('method', 'url', 'requestHeaders', 'status', 'postData'),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    kind: fc.constant('drop' as const),
    field: fc.constantFrom('method', 'url', 'requestHeaders', 'status'),
  }),
  fc.constant({ kind: 'none' as const }),
);

/** A byte mutation of the serialised input. */
const bytewise = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cut' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      text: fc.oneof(
        fc.constantFrom('"', '{', '}', '[', ']', ',', '\n', '\\', '\u0000', '\uFEFF', '%', 'null'),
        fc.string({ maxLength: 8 }),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('splice' as const),
      from: fc.double({ min: 0, max: 1, noNaN: true }),
      to: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
);

type Structural = typeof structural extends fc.Arbitrary<infer T> ? T : never;
type Bytewise = typeof bytewise extends fc.Arbitrary<infer T> ? T : never;

function mutateRecord(r: Rec, m: Structural): Record<string, unknown> {
  const o: Record<string, unknown> = { ...r };
  if (m.kind === 'type') o[m.field] = m.value;
  if (m.kind === 'drop') delete o[m.field];
  return o;
}

function mutateText(text: string, m: Bytewise): string {
  const at = (x: number) => Math.floor(x * text.length);
  if (m.kind === 'cut') return text.slice(0, at(m.at));
  if (m.kind === 'insert') return text.slice(0, at(m.at)) + m.text + text.slice(at(m.at));
  if (m.kind === 'splice')
    return text.slice(0, at(Math.min(m.from, m.to))) + text.slice(at(Math.max(m.from, m.to)));
  return text;
}

const toHar = (records: Record<string, unknown>[]): string =>
  JSON.stringify({
    log: {
      version: '1.2',
      entries: records.map((r) => ({
        request: {
          method: r.method,
          url: r.url,
          headers: Array.isArray(r.requestHeaders)
            ? (r.requestHeaders as unknown[]).map((p) => (Array.isArray(p) ? { name: p[0], value: p[1] } : p))
            : r.requestHeaders,
          ...(r.postData !== undefined ? { postData: r.postData } : {}),
        },
        response: {
          status: r.status ?? 200,
          headers: ((r.responseHeaders as Pairs | undefined) ?? []).map(([name, value]) => ({ name, value })),
          content: {
            size: 0,
            mimeType: 'application/xml',
            ...(r.responseText ? { text: r.responseText } : {}),
          },
        },
      })),
    },
  });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-lint-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(
  'exits 0, 1 or 2 and prints no generated key, whatever the recording',
  async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(keyArb, { minLength: 1, maxLength: 3 }).chain((keys) =>
          fc.tuple(
            fc.constant(keys),
            fc.array(
              fc.constantFrom(...keys.keys()).chain((i) => recordArb(keys[i]!)),
              { minLength: 1, maxLength: 4 },
            ),
            fc.array(structural, { minLength: 4, maxLength: 4 }),
            bytewise,
            fc.constantFrom('har', 'ndjson'),
            fc.constantFrom(...FORMATS),
          ),
        ),
        async ([keys, records, structurals, bytes, kind, format]) => {
          runs++;
          const mutated = records.map((r, i) => mutateRecord(r, structurals[i]!));
          const text = kind === 'har' ? toHar(mutated) : mutated.map((r) => JSON.stringify(r)).join('\n');
          const file = join(dir, `in.${kind}`);
          writeFileSync(file, mutateText(text, bytes));
          const r = await runCli(['lint', '-f', format, file]);
          expect([0, 1, 2]).toContain(r.code);
          const all = Object.fromEntries(keys.map((k, i) => [`key${i}`, k]));
          expect(leaksIn(r.stdout + r.stderr, all)).toEqual([]);
        },
      ),
      { numRuns: 2000, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    // The bound is a ceiling, not the point: the fuzzer must have done real work within it.
    expect(runs).toBeGreaterThan(50);
  },
  TIME_LIMIT_MS + 30_000,
);
