/**
 * The one header-shape walker (src/engine/header-shapes.ts) and the one name cache
 * (src/engine/name-cache.ts): every accepted shape and hostile ones, each reader's policy for entries
 * that cannot be headers, the cache's bound under names without end, and tripwires that fail when a
 * second walker or a second name cache appears in src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createChecker, exchangeSecrets, getChecker, normalizeHeaders, validateHeaders } from '../../src';
import { headerEntries, type HeaderVisitor, Want, walkHeaders } from '../../src/engine/header-shapes';
import {
  IGNORED,
  NAME_CACHE_LIMIT,
  NAME_CACHE_MAX_LENGTH,
  NameCache,
  Role,
  UNKNOWN,
} from '../../src/engine/name-cache';
import { headerPairs } from '../../src/guard/headers';
import { splitHeaders } from '../../src/inspect/headers';
import { catalogueNames } from '../../src/inspect/names';
import { inspectRequest } from '../../src/inspect';
import { H } from '../helpers';

type Seen = { entries: [unknown, unknown][]; bad: unknown[] };

/** Records what the walker hands over. */
const RECORD: HeaderVisitor<Seen> = {
  entry(seen, name, value) {
    seen.entries.push([name, value]);
  },
  bad(seen, element) {
    seen.bad.push(element);
  },
};

function walk(input: unknown): Seen {
  const seen: Seen = { entries: [], bad: [] };
  walkHeaders(input, RECORD, seen, Want.Every);
  return seen;
}

const AB: [string, string][] = [
  ['A', '1'],
  ['b', '2'],
];

describe('walkHeaders: every accepted shape', () => {
  test.each<[string, unknown]>([
    ['a plain object (node:http)', { A: '1', b: '2' }],
    ['a null-prototype object', Object.assign(Object.create(null) as object, { A: '1', b: '2' })],
    ['a flat array (rawHeaders)', ['A', '1', 'b', '2']],
    ['[name, value] pairs', AB],
    ['a Map', new Map(AB)],
    [
      'a generator of entries',
      (function* () {
        yield* AB;
      })(),
    ],
  ])('%s', (_shape, input) => {
    expect(walk(input)).toEqual({ entries: AB, bad: [] });
  });

  test('WHATWG Headers (names lower-cased by Headers itself)', () => {
    expect(walk(new Headers(AB)).entries).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  test('a flat array of Buffers (undici raw headers) is flat; names and values are handed over as Buffers', () => {
    const name = Buffer.from('x-a');
    const value = Buffer.from('v');
    expect(walk([name, value]).entries).toEqual([[name, value]]);
    expect(walk([new Uint8Array([120]), 'v']).entries).toHaveLength(1);
  });

  test('nothing to walk: null, undefined, primitives, empty containers', () => {
    for (const input of [null, undefined, 'x-a', 42, true, Symbol('s'), [], {}, new Map()]) {
      expect(walk(input)).toEqual({ entries: [], bad: [] });
    }
  });

  test('names a reader does not want cost a cache lookup, and their values are never read', () => {
    const names = getChecker().names;
    const headers = { date: 'x', 'x-obs-server-side-encryption': 'kms', Host: 'h' };
    Object.defineProperty(headers, 'date', {
      enumerable: true,
      get: () => {
        throw new Error('read');
      },
    });
    const scanned: Seen = { entries: [], bad: [] };
    walkHeaders(headers, RECORD, scanned, Want.Scanned, names);
    expect(scanned.entries).toEqual([['x-obs-server-side-encryption', 'kms']]);
    const kept: Seen = { entries: [], bad: [] };
    const pairs = [
      ['date', 'x'],
      ['x-obs-server-side-encryption', 'kms'],
      ['Host', 'h'],
      [7, 'x'],
    ];
    walkHeaders(pairs, RECORD, kept, Want.Kept, names);
    expect(kept.entries).toEqual([
      ['x-obs-server-side-encryption', 'kms'],
      ['Host', 'h'],
    ]);
    // The engine wants non-string names, to report them.
    const odd: Seen = { entries: [], bad: [] };
    walkHeaders(
      [
        [7, 'x'],
        ['date', 'y'],
      ],
      RECORD,
      odd,
      Want.Scanned,
      names,
    );
    expect(odd.entries).toEqual([[7, 'x']]);
  });
});

describe('walkHeaders: hostile shapes', () => {
  test('elements that are not [name, value] entries go to bad, in pairs and iterables alike', () => {
    const odd = [['a', '1'], 'ab', ['only-name'], null, 7, { 0: 'x', 1: 'y' }, ['b', '2', 'extra']];
    const seen = walk(odd);
    expect(seen.entries).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(seen.bad).toEqual(['ab', ['only-name'], null, 7, { 0: 'x', 1: 'y' }]);
    expect(walk(new Set(odd)).bad).toHaveLength(5);
  });

  test('numbers, nested arrays and null as names or values are handed over as they are', () => {
    const seen = walk([
      [1, 'v'],
      [null, 'v'],
      ['n', 3],
      ['nested', [['x']]],
      ['z', null],
    ]);
    expect(seen.entries).toEqual([
      [1, 'v'],
      [null, 'v'],
      ['n', 3],
      ['nested', [['x']]],
      ['z', null],
    ]);
  });

  test('a flat array with an odd length drops its last name', () => {
    expect(walk(['a', '1', 'b']).entries).toEqual([['a', '1']]);
  });

  test('inherited and polluted prototype properties are never headers; __proto__ as an own key is one', () => {
    const proto = { 'x-obs-server-side-encryption': 'kms' };
    expect(walk(Object.create(proto) as object).entries).toEqual([]);
    const parsed: unknown = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "x"}');
    expect(walk(parsed).entries.map(([n]) => n)).toEqual(['__proto__', 'constructor']);
    const polluted = Object.prototype as Record<string, unknown>;
    polluted['x-obs-server-side-encryption'] = 'kms';
    try {
      expect(walk({ a: '1' }).entries).toEqual([['a', '1']]);
      expect(
        validateHeaders({ operation: 'PutObject', direction: 'request', headers: {} }).diagnostics,
      ).toEqual([]);
    } finally {
      delete polluted['x-obs-server-side-encryption'];
    }
  });

  test('a throwing iterator propagates to the reader (the engine turns it into a diagnostic)', () => {
    const input = {
      *[Symbol.iterator]() {
        yield ['a', '1'];
        throw new Error('boom');
      },
    };
    expect(() => walk(input)).toThrow('boom');
    const r = validateHeaders({ operation: 'PutObject', direction: 'request', headers: input as never });
    expect(r.diagnostics.map((d) => `${d.code} ${d.header}`)).toEqual(['input/invalid-value (headers)']);
  });
});

describe("each reader's policy over the walker", () => {
  const PUT = { operation: 'PutObject', direction: 'request' } as const;
  const codes = (headers: unknown): string[] =>
    validateHeaders({ ...PUT, headers: headers as never }).diagnostics.map((d) => `${d.code} ${d.header}`);

  test('the engine reads every shape the same way', () => {
    const pairs: [string, string][] = [
      ['X-Obs-Server-Side-Encryption', 'KMSX'],
      ['content-type', 'text/plain'],
    ];
    const expected = [`value/not-allowed ${H.sse}`];
    expect(codes(pairs)).toEqual(expected);
    expect(codes(pairs.flat())).toEqual(expected);
    expect(codes(Object.fromEntries(pairs))).toEqual(expected);
    expect(codes(new Map(pairs))).toEqual(expected);
    expect(codes(new Headers(pairs))).toEqual(expected);
  });

  test('the engine reports what cannot be a header, and reads nothing else of it', () => {
    expect(codes([[H.sse, 'kms'], 'oops'])).toEqual(['input/invalid-value (entry)']);
    expect(codes([[7, 'kms']])).toEqual(['input/invalid-value 7']);
    expect(codes({ [H.sse]: [['kms']] })).toEqual([`input/invalid-value ${H.sse}`]);
    expect(codes({ [H.sse]: null, [H.kmsKey]: undefined })).toEqual([]);
    // Buffers are not strings to the engine: a non-string name, reported, never read as a header.
    expect(codes([Buffer.from(H.sse), Buffer.from('KMSX')])).toEqual([`input/invalid-value ${H.sse}`]);
  });

  test('normalizeHeaders keeps string names and string or number values', () => {
    expect(normalizeHeaders([[7, 'x'], ['A', 1], 'bad', ['b', null]] as never)).toEqual({ a: '1' });
    expect(normalizeHeaders(['A', 'x', 'a', 'y'])).toEqual({ a: 'x, y' });
  });

  test('the guard keeps every pair: Buffers read as latin1, null and undefined values dropped', () => {
    expect(headerPairs([Buffer.from([0x78, 0xe9]), Buffer.from('v')])).toEqual([['x\u00e9', 'v']]);
    expect(headerPairs([[7, 8], ['a', null], ['b', ['1', undefined, Buffer.from('2')]], 'junk'])).toEqual([
      ['7', '8'],
      ['b', '1'],
      ['b', '2'],
    ]);
  });

  test('headerEntries (code examples) keeps every value as it is, names as strings', () => {
    expect(headerEntries({ a: 1, b: [2, null] })).toEqual([
      ['a', 1],
      ['b', [2, null]],
    ]);
    expect(headerEntries([[7, true], 'junk'])).toEqual([['7', true]]);
  });

  test('splitHeaders keeps SSE and routing pairs of any shape and skips the rest', () => {
    const names = getChecker().names;
    const split = splitHeaders(
      [
        ['Host', 'b.example'],
        ['X-Obs-Server-Side-Encryption', 'kms'],
        ['Date', 'now'],
        [7, 'x'],
        'junk',
      ] as never,
      names,
    );
    expect(split.sse).toEqual([['X-Obs-Server-Side-Encryption', 'kms']]);
    expect(split.routing).toEqual([['Host', 'b.example']]);
  });
});

describe('the name cache', () => {
  const checker = getChecker();

  test('one per checker, shared by the engine and inspect/', () => {
    expect(checker.names).toBeInstanceOf(NameCache);
    expect(catalogueNames(checker).cache).toBe(checker.names);
    expect(createChecker().names).not.toBe(checker.names);
  });

  test('records what every reader needs per spelling', () => {
    const n = checker.names;
    const sse = n.get('X-Obs-Server-Side-Encryption');
    expect(sse).toMatchObject({ lower: H.sse, id: 'sse', role: Role.Sse, secret: false });
    expect(sse.slot).toBeGreaterThanOrEqual(0);
    const s3 = n.get('X-Amz-Server-Side-Encryption-Customer-Key');
    expect(s3).toMatchObject({ id: 'cKey', role: Role.Sse, secret: true });
    expect(s3.slot).toBeGreaterThanOrEqual(checker.rules.headers.length);
    expect(n.get('x-obs-server-side-encryption-customer-keys')).toMatchObject({
      slot: UNKNOWN,
      id: undefined,
      role: Role.Sse,
      secret: true,
    });
    expect(n.get('Host')).toMatchObject({ lower: 'host', slot: IGNORED, role: Role.Routing, secret: false });
    expect(n.get('Authorization')).toMatchObject({ slot: IGNORED, role: Role.Other, secret: true });
    expect(n.get('x-obs-meta-encryption')).toMatchObject({ slot: IGNORED, role: Role.Other });
  });

  test('100 000 invented names through the engine, inspect and the guard leave it bounded', () => {
    const own = createChecker();
    // In batches of 1000 names per message; a few SSE-looking ones, which the engine reports.
    for (let batch = 0; batch < 100; batch++) {
      const headers: [string, string][] = [];
      for (let i = 0; i < 1000; i++) headers.push([`x-invented-${batch}-${i}`, 'v']);
      if (batch % 10 === 0) headers.push([`x-obs-server-side-encryption-${batch}`, 'v']);
      own.validate({ operation: 'PutObject', direction: 'request', headers });
      expect(own.names.size).toBeLessThanOrEqual(NAME_CACHE_LIMIT);
    }
    expect(own.names.size).toBeGreaterThan(0);
    const before = checker.names.get('x-hostile-0');
    for (let i = 0; i < 20; i++) {
      const headers: [string, string][] = [['host', 'h']];
      for (let j = 0; j < 1000; j++) headers.push([`x-hostile-${i}-${j}`, 'v']);
      inspectRequest({ method: 'PUT', url: '/b/k', headers });
      exchangeSecrets({ headers, names: checker.names, keyRuns: false });
      expect(checker.names.size).toBeLessThanOrEqual(NAME_CACHE_LIMIT);
    }
    // Still answering, and the same answer after it started over.
    expect(checker.names.get('x-hostile-0')).toEqual(before);
  });

  test('names longer than the bound are answered, never kept', () => {
    const own = createChecker();
    const long = `x-obs-server-side-encryption-${'z'.repeat(NAME_CACHE_MAX_LENGTH)}`;
    expect(own.names.get(long)).toMatchObject({ slot: UNKNOWN, role: Role.Sse });
    const r = own.validate({ operation: 'PutObject', direction: 'request', headers: { [long]: 'x' } });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['header/unknown']);
    expect(own.names.size).toBe(0);
  });
});

// Tripwires: the walker and the cache are the only ones. A new module that needs either should use them.
const SRC = resolve(__dirname, '..', '..', 'src');
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const files = sources(SRC).map((p) => ({ path: relative(SRC, p), text: readFileSync(p, 'utf8') }));

test('no second header-shape walker: only header-shapes.ts tells the shapes apart', () => {
  // dispatch-body.ts tells request bodies (streams, iterables) apart, not header maps.
  const allowed = new Set(['engine/header-shapes.ts', 'guard/dispatch-body.ts']);
  const pairsOrRecord = /Array\.isArray\([^)]*\)\s*\?[^:;]*:\s*Object\.(?:entries|keys)\(/;
  const found = files.filter(
    (f) => !allowed.has(f.path) && (f.text.includes('[Symbol.iterator]') || pairsOrRecord.test(f.text)),
  );
  expect(found.map((f) => f.path)).toEqual([]);
});

test('no second name cache: no other module keeps lower-cased names in a bounded map', () => {
  // A bounded memo (cleared or capped by size) in a module that lower-cases names is a name cache.
  const memo = /\.size\s*(?:>=|<)|\.clear\(\)/;
  const found = files.filter(
    (f) =>
      f.path !== 'engine/name-cache.ts' &&
      memo.test(f.text) &&
      /\bnew Map<string, (?:string|number|boolean|Role)>/.test(f.text) &&
      /\.toLowerCase\(\)/.test(f.text),
  );
  expect(found.map((f) => f.path)).toEqual([]);
});
