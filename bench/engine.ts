/**
 * Engine micro-benchmark: ns/op and ratios on the same header maps, in one run, medians of interleaved samples.
 *   (a) the engine, (b) the floor: one loop over the map lower-casing each name, (c) normalise + ajv on the
 *   generated JSON Schema. For SSE-C the floor also computes one MD5 of the key, the work the engine must do.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { addObsSseKeywords, normalizeHeaders, validateHeaders } from '../dist/cjs/src';

const base: Record<string, string> = {
  host: 'bucket.obs.cn-north-4.myhuaweicloud.com',
  'content-type': 'application/octet-stream',
  'content-length': '1048576',
  'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==',
  date: 'Fri, 27 Nov 2026 06:00:00 GMT',
  authorization: 'OBS AKIAEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=',
  'x-obs-date': 'Fri, 27 Nov 2026 06:00:00 GMT',
  'x-obs-acl': 'private',
  'x-obs-storage-class': 'STANDARD',
  'x-obs-meta-owner': 'team-a',
  'user-agent': 'obs-sdk-nodejs/3.26.8',
  expect: '100-continue',
};
const key = crypto.randomBytes(32).toString('base64');
const md5 = crypto.createHash('md5').update(Buffer.from(key, 'base64')).digest('base64');
const without = (names: string[]) =>
  Object.fromEntries(Object.entries(base).filter(([n]) => !names.includes(n)));
const maps = {
  'PutObject, no SSE': base,
  'PutObject, SSE-KMS': {
    ...without(['x-obs-meta-owner', 'expect']),
    'x-obs-server-side-encryption': 'kms',
    'x-obs-server-side-encryption-kms-key-id':
      'cn-north-4:0b2a0a0e53f0422f8bd7f1ed2d4b3a3e:key/4f1cd4de-ab64-4807-920a-47fc42e7f0d0',
  },
  'PutObject, SSE-C': {
    ...without(['x-obs-meta-owner', 'expect', 'x-obs-storage-class']),
    'x-obs-server-side-encryption-customer-algorithm': 'AES256',
    'x-obs-server-side-encryption-customer-key': key,
    'x-obs-server-side-encryption-customer-key-md5': md5,
  },
} satisfies Record<string, Record<string, string>>;

const schema = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../generated/schemas/PutObject.request.json'), 'utf8'),
);
const ajvValidate = addObsSseKeywords(new Ajv2020({ strict: true })).compile(schema);

let sink = 0;
function floor(h: Record<string, string>): void {
  const keys = Object.keys(h);
  for (let i = 0; i < keys.length; i++) sink += keys[i]!.toLowerCase().length;
}
function floorMd5(h: Record<string, string>): void {
  floor(h);
  const k = h['x-obs-server-side-encryption-customer-key'];
  if (k) sink += crypto.hash('md5', Buffer.from(k, 'base64'), 'base64').length;
}
function engine(h: Record<string, string>): void {
  if (validateHeaders({ operation: 'PutObject', direction: 'request', headers: h, scheme: 'https' }).valid)
    sink++;
}
function normaliseAjv(h: Record<string, string>): void {
  if (ajvValidate(normalizeHeaders(h))) sink++;
}

function nsPerOp(
  fn: (h: Record<string, string>) => void,
  h: Record<string, string>,
  iterations: number,
): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(h);
  return Number(process.hrtime.bigint() - start) / iterations;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function runEngineBench(samples = 21, iterations = 20000): string {
  const fns = { engine, floor, floorMd5, normaliseAjv };
  const rows: string[] = [
    '| map | engine ns/op | floor ns/op | floor+MD5 ns/op | normalise+ajv ns/op | engine / floor | engine / (floor+MD5) | (normalise+ajv) / engine |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, h] of Object.entries(maps)) {
    for (const fn of Object.values(fns)) nsPerOp(fn, h, iterations); // warm-up
    const times: Record<keyof typeof fns, number[]> = {
      engine: [],
      floor: [],
      floorMd5: [],
      normaliseAjv: [],
    };
    for (let s = 0; s < samples; s++) {
      for (const [k, fn] of Object.entries(fns) as [
        keyof typeof fns,
        (h: Record<string, string>) => void,
      ][]) {
        times[k].push(nsPerOp(fn, h, iterations));
      }
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<
      keyof typeof fns,
      number
    >;
    rows.push(
      `| ${name} | ${m.engine.toFixed(0)} | ${m.floor.toFixed(0)} | ${m.floorMd5.toFixed(0)} | ${m.normaliseAjv.toFixed(0)} | ${(m.engine / m.floor).toFixed(2)}× | ${(m.engine / m.floorMd5).toFixed(2)}× | ${(m.normaliseAjv / m.engine).toFixed(2)}× |`,
    );
  }
  if (sink === -1) console.log(sink);
  return rows.join('\n');
}

if (require.main === module) console.log(runEngineBench());
