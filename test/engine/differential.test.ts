/**
 * Differential: for every operation and direction, the engine's verdict equals ajv's verdict on the committed
 * generated JSON Schema. The comparison covers the OBS dialect without a scheme (transport is not a header
 * fact), on normalised maps; the MD5 relation is checked through the custom `md5Matches` keyword.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { addObsSseKeywords, normalizeHeaders, validateHeaders } from '../../src';
import { invalidValue, mixedHeaders, pairs, rules, validHeaders } from '../support/arbitraries';

const ajv = addObsSseKeywords(new Ajv2020({ strict: true, allErrors: false }));
const schemaOf = (op: string, dir: string) =>
  ajv.compile(
    JSON.parse(fs.readFileSync(path.join(__dirname, `../../generated/schemas/${op}.${dir}.json`), 'utf8')),
  );

describe.each(pairs)('%s %s', (op, dir) => {
  const validate = schemaOf(op, dir);
  const valid = validHeaders(op, dir);
  const mutated = fc.tuple(valid, fc.nat()).map(([h, pick]) => {
    const names = Object.keys(h);
    if (names.length === 0) return h;
    const name = names[pick % names.length]!;
    const def = rules.headers.find((x) => x.name.toLowerCase() === name)!;
    return pick % 2
      ? { ...h, [name]: invalidValue(def, h[name]!) }
      : Object.fromEntries(Object.entries(h).filter(([n]) => n !== name));
  });
  const extra = fc.constantFrom(
    {},
    { 'x-obs-server-side-encryption-kms-keyid': 'k' },
    { 'content-type': 'text/plain' },
    { 'x-amz-server-side-encryption': 'aws:kms' },
  );

  test('engine and JSON Schema agree', () => {
    let disagreements = 0;
    const verdicts = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(fc.oneof(valid, mutated, mixedHeaders), extra, (headers, more) => {
        const map = { ...headers, ...more };
        const engine = validateHeaders({ operation: op, direction: dir, headers: map, dialect: 'obs' }).valid;
        const schema = validate(normalizeHeaders(map));
        verdicts[engine ? 'valid' : 'invalid']++;
        if (engine !== schema) disagreements++;
        expect({ map, engine }).toEqual({ map, engine: schema });
      }),
      { numRuns: 300 },
    );
    expect(disagreements).toBe(0);
    // Both verdicts were exercised, so agreement is not the trivial kind.
    expect(verdicts.valid).toBeGreaterThan(10);
    expect(verdicts.invalid).toBeGreaterThan(10);
  });
});
