/**
 * The shape of generated/openapi.json: a valid OpenAPI 3.1 document (swagger-parser), one operation per
 * rule operation whose route the traffic classifier maps back to it, every catalogue header declared in both
 * dialects with the value schema of the JSON Schemas, and the rules OpenAPI cannot express listed.
 */
import * as fs from 'node:fs';
import { valueSchema } from '../../scripts/lib/json-schema';
import { classify } from '../../src/traffic';
import type { Direction } from '../../src/types';
import { rules } from '../support/arbitraries';
import { DOC_FILE, urlFor, type Route } from './common';
import { startOas, type Oas } from './oas';

type Json = Record<string, unknown>;
type Entry = Json & {
  name?: string;
  schema?: Json;
  description: string;
  'x-obs-header'?: string;
  'x-obs-dialect'?: string;
};
type Op = Json & {
  operationId: string;
  description: string;
  parameters: Entry[];
  requestBody?: { content: Record<string, { schema: { properties: Record<string, Entry> } }> };
  responses: Record<string, { $ref?: string }>;
  'x-obs-route': Route;
  'x-obs-sse-rules': { id: string; code: string; directions: Direction[] }[];
};

const doc = JSON.parse(fs.readFileSync(DOC_FILE, 'utf8')) as {
  paths: Record<string, Record<string, Op | Json[]>>;
  components: { responses: Record<string, { headers: Record<string, Entry> }> };
};
const operations = new Map<string, Op & { pathKey: string }>();
for (const [pathKey, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (method !== 'parameters') operations.set((op as Op).operationId, { ...(op as Op), pathKey });
  }
}

let oas: Oas;
beforeAll(() => {
  oas = startOas();
});
afterAll(() => oas.close());

test('is a valid OpenAPI 3.1 document to swagger-parser, with every rule operation once', async () => {
  const { operationIds } = await oas.load(DOC_FILE);
  expect(operationIds.sort()).toEqual(rules.operations.map((o) => o.id).sort());
  expect(Object.keys(doc.paths)).toHaveLength(8);
});

test('swagger-parser is a real check: a broken copy is refused', async () => {
  const broken = JSON.parse(fs.readFileSync(DOC_FILE, 'utf8')) as typeof doc;
  // A Swagger 2 habit: `in: body` does not exist in OpenAPI 3.
  ((broken.paths['/{bucket}/{key}']!.put as Op).parameters[0] as Json).in = 'body';
  const r = await oas.validate(broken);
  expect(r.ok).toBe(false);
  expect(r.message).toMatch(/parameters\/0\/in must be equal to one of the allowed values/);
});

// swagger-parser checks OpenAPI 3.1 documents against the meta-schema only; these are checked here.
test('operation ids are unique and every path template parameter is declared', () => {
  const count = Object.values(doc.paths).reduce(
    (n, item) => n + Object.keys(item).filter((k) => k !== 'parameters').length,
    0,
  );
  expect(operations.size).toBe(count);
  for (const [key, item] of Object.entries(doc.paths)) {
    const placeholders = [...key.split(/[?#]/)[0]!.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const declared = (item.parameters as { name: string; in: string; required: boolean }[]).filter(
      (p) => p.in === 'path',
    );
    expect(declared.map((p) => [p.name, p.required])).toEqual(placeholders.map((n) => [n, true]));
  }
});

describe.each(rules.operations.map((o) => [o.id, o] as const))('%s', (id, def) => {
  const op = operations.get(id)!;
  const route = op['x-obs-route'];

  test('has a path key carrying its discriminator, and its route classifies back to it', () => {
    const query = route.query.map((q) => q.name).join('&');
    expect(op.pathKey).toBe(
      `${route.path}${query ? `?${query}` : ''}${route.withHeader ? `#${route.withHeader}` : ''}`,
    );
    expect(def.http.startsWith(`${route.method.toUpperCase()} ${route.path}`)).toBe(true);
    const headers: [string, string][] = [['host', 'obs.cn-north-4.myhuaweicloud.com']];
    if (route.withHeader) headers.push([route.withHeader, 'bkt/src']);
    if (route.form) headers.push(['content-type', 'multipart/form-data; boundary=x']);
    const c = classify({
      method: route.method,
      url: `https://obs.cn-north-4.myhuaweicloud.com${urlFor(route)}`,
      headers,
    });
    expect(c).toMatchObject({ kind: 'operation', operation: id });
  });

  test.each(['request', 'response'] as Direction[])(
    'declares every catalogue header in both dialects (%s)',
    (dir) => {
      const entries: Entry[] =
        dir === 'request'
          ? route.form
            ? Object.entries(op.requestBody!.content['multipart/form-data']!.schema.properties).map(
                ([name, e]) => ({ ...e, name }),
              )
            : op.parameters.filter((p) => p.in === 'header' && p['x-obs-header'])
          : Object.entries(doc.components.responses[id]!.headers).map(([name, e]) => ({ ...e, name }));
      // All x-obs- headers in catalogue order, then the x-amz- ones.
      const expected = [
        ...rules.headers.map((h) => ({ name: h.name, dialect: 'obs', h })),
        ...rules.headers.flatMap((h) => {
          const s3 = rules.s3.headers[h.id];
          return s3 ? [{ name: s3.name, dialect: 's3', h }] : [];
        }),
      ];
      const norm = (n: string) => (route.form && dir === 'request' ? n.toLowerCase() : n);
      expect(entries.filter((e) => e['x-obs-header']).map((e) => e.name)).toEqual(
        expected.map((x) => norm(x.name)),
      );
      for (const { name, dialect, h } of expected) {
        const e = entries.find((x) => x.name === norm(name))!;
        const cell = def[dir][h.id];
        const schema = route.form && dir === 'request' ? e : e.schema!;
        expect(e['x-obs-dialect']).toBe(dialect);
        expect(e['x-obs-provenance']).toEqual(
          cell
            ? cell.provenance
            : expect.arrayContaining([expect.objectContaining({ source: expect.any(String) })]),
        );
        if (!cell) {
          expect(schema.not).toEqual({});
          continue;
        }
        const values = cell.values?.flatMap((v) => {
          const s = dialect === 'obs' ? v : rules.s3.headers[h.id]!.values?.[v];
          return s === undefined ? [] : [s];
        });
        expect(schema).toMatchObject(valueSchema(rules, h, values));
        expect(e.description.length).toBeGreaterThan(20);
      }
    },
  );

  test('lists the rules a per-header schema cannot express, in its description and x-obs-sse-rules', () => {
    const listed = op['x-obs-sse-rules'];
    expect(listed.map((r) => r.code)).toEqual(expect.arrayContaining(['dialect/mixed', 'header/unknown']));
    for (const r of listed) expect(op.description).toContain(`- ${r.code} (`);
    expect(listed.map((r) => r.id)).not.toContain('no-key-in-response');
    const applicable = rules.rules.filter(
      (r) =>
        r.kind !== 'forbidden' &&
        (!r.operations || r.operations.includes(id)) &&
        r.directions.some((d) => Object.keys(def[d]).length > 0),
    );
    for (const r of applicable) {
      // A rule about the URL (key-in-url) names no header, so no per-header schema lists it.
      const named = (JSON.stringify(r.options).match(/"([a-zA-Z0-9]+)"/g) ?? []).map((s) => s.slice(1, -1));
      const takes = r.directions.some((d) => named.some((n) => n in def[d]));
      expect({ rule: r.id, listed: listed.some((l) => l.id === r.id) }).toEqual({
        rule: r.id,
        listed: takes,
      });
    }
  });
});

test('PutObject lists the SSE-C, SSE-KMS and transport rules', () => {
  const codes = operations.get('PutObject')!['x-obs-sse-rules'].map((r) => r.code);
  expect(codes).toEqual(
    expect.arrayContaining([
      'sse-c/incomplete',
      'sse-c/md5-mismatch',
      'sse/conflicting-methods',
      'sse-kms/key-id-requires-kms',
      'sse-kms/data-encryption-requires-kms',
      'transport/https-required',
    ]),
  );
});
