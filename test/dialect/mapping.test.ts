/**
 * The S3-compatible dialect, header by header and value by value, as rules/dialect-s3.json maps it: each
 * x-amz- header is taken exactly where its x-obs- twin is, each value mapping holds in both directions, and
 * what has no S3 spelling (`obs` on buckets, the OBS-only headers) is refused with a hint toward the OBS
 * dialect.
 */
import { validateHeaders } from '../../src';
import type { HeaderDef, HeaderId } from '../../src/rules/model';
import type { Direction, Operation } from '../../src/types';
import { DOC_KEY_OLD, DOC_MD5, KEY_ID, PROJECT_ID } from '../helpers';
import { rules } from '../support/arbitraries';
import { mapped, nameIn, neutral, obsOnly, s3Map, s3Value } from './translate';

const SAMPLE: Record<Exclude<HeaderDef['valueKind'], 'enumeration'>, string> = {
  'base64-key-256': DOC_KEY_OLD,
  'base64-md5': DOC_MD5,
  'kms-key-id': KEY_ID,
  'project-id': PROJECT_ID,
};

/** Values to try for a header on one operation: the cell's values, or one value any cell of the header lists. */
function valuesFor(h: HeaderDef, op: Operation, dir: Direction): string[] {
  if (h.valueKind !== 'enumeration') return [SAMPLE[h.valueKind]];
  const cell = rules.operations.find((o) => o.id === op)![dir][h.id];
  if (cell) return cell.values!;
  const any = rules.operations.flatMap((o) => o[dir][h.id]?.values ?? o.request[h.id]?.values ?? []);
  return [any[0]!];
}

const run = (op: Operation, dir: Direction, headers: Record<string, string>) =>
  validateHeaders({ operation: op, direction: dir, headers });

describe('the mapping data', () => {
  test('maps every catalogue header except the OBS-only ones, to distinct x-amz- names', () => {
    expect(obsOnly.map((h) => h.id)).toEqual(['data']);
    const names = mapped.map((h) => s3Map[h.id]!.name);
    expect(names.every((n) => n.startsWith('x-amz-'))).toBe(true);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
  });

  test('renames only the KMS key id beyond the prefix', () => {
    const renamed = mapped.filter((h) => s3Map[h.id]!.name.slice(6) !== h.name.slice(6)).map((h) => h.id);
    expect(renamed).toEqual(['kmsKey']);
    expect(s3Map.kmsKey!.name).toBe('x-amz-server-side-encryption-aws-kms-key-id');
  });

  test('maps values only of enumerations, and only values some cell lists', () => {
    for (const h of mapped) {
      const values = Object.keys(s3Map[h.id]!.values ?? {});
      if (h.valueKind !== 'enumeration') expect(values).toEqual([]);
      const listed = new Set(
        rules.operations.flatMap((o) => [
          ...(o.request[h.id]?.values ?? []),
          ...(o.response[h.id]?.values ?? []),
        ]),
      );
      for (const v of values) expect(listed).toContain(v);
    }
    expect(s3Map.sse!.values).toEqual({ kms: 'aws:kms', AES256: 'AES256' });
  });
});

const cases = rules.operations.flatMap((op) =>
  (['request', 'response'] as const).flatMap((dir) => mapped.map((h) => [op.id, dir, h.id] as const)),
);

describe('each x-amz- header is taken exactly where its x-obs- twin is, with the same verdict', () => {
  test.each(cases)('%s %s: %s', (op, dir, id) => {
    const h = rules.headers.find((x) => x.id === id)!;
    const taken = rules.operations.find((o) => o.id === op)![dir][id] !== undefined;
    for (const value of valuesFor(h, op, dir)) {
      const s3v = s3Value(id, value);
      if (s3v === undefined) continue; // no S3 spelling: see "what has no S3 spelling"
      const obs = run(op, dir, { [nameIn(id, 'obs')!]: value });
      const s3 = run(op, dir, { [nameIn(id, 's3')!]: s3v });
      expect(obs.dialect).toBe('obs');
      expect(s3.dialect).toBe('s3');
      expect(s3.diagnostics.map(neutral)).toEqual(obs.diagnostics.map(neutral));
      expect(s3.valid).toBe(obs.valid);
      const notAllowed = s3.diagnostics.filter(
        (d) => d.code === 'header/not-allowed' || d.code === 'sse-c/key-in-response',
      );
      expect(notAllowed.map((d) => d.header)).toEqual(taken ? [] : [nameIn(id, 's3')]);
    }
  });
});

/** Every (header, OBS value, S3 value) the mapping lists, with the operations whose requests take the value. */
const valueRows = mapped.flatMap((h) =>
  Object.entries(s3Map[h.id]!.values ?? {}).map(([obsV, s3V]) => ({
    id: h.id,
    obsV,
    s3V,
    ops: rules.operations.filter((o) => o.request[h.id]?.values?.includes(obsV)).map((o) => o.id),
  })),
);

describe('each value mapping', () => {
  test('covers kms/aws:kms and AES256 for the method, true and false (any case) for the bucket key, and AES256 for both SSE-C algorithms', () => {
    expect(valueRows.map((r) => `${r.id} ${r.obsV}=${r.s3V}`)).toEqual([
      'sse kms=aws:kms',
      'sse AES256=AES256',
      'cAlg AES256=AES256',
      'srcAlg AES256=AES256',
      'bucketKey true=true',
      'bucketKey false=false',
      'bucketKey True=True',
      'bucketKey False=False',
      'bucketKey TRUE=TRUE',
      'bucketKey FALSE=FALSE',
    ]);
  });

  test.each(valueRows.map((r) => [`${r.id}: ${r.obsV} is ${r.s3V}`, r] as const))('%s', (_, row) => {
    expect(row.ops.length).toBeGreaterThan(0);
    const obsName = nameIn(row.id, 'obs')!;
    const s3Name = nameIn(row.id, 's3')!;
    for (const op of row.ops) {
      const s3 = run(op, 'request', { [s3Name]: row.s3V });
      expect(s3.diagnostics.filter((d) => d.header === s3Name && d.code.startsWith('value/'))).toEqual([]);
      if (row.obsV === row.s3V) continue;
      // The other dialect's spelling is refused in each, with the right spelling suggested.
      const obsInS3 = run(op, 'request', { [s3Name]: row.obsV }).diagnostics[0]!;
      expect(obsInS3).toMatchObject({ code: 'value/not-allowed', header: s3Name });
      expect(obsInS3.message).toContain(`Did you mean ${row.s3V}?`);
      const s3InObs = run(op, 'request', { [obsName]: row.s3V }).diagnostics[0]!;
      expect(s3InObs).toMatchObject({ code: 'value/not-allowed', header: obsName });
      expect(s3InObs.message).toContain(`Did you mean ${row.obsV}?`);
    }
  });
});

describe('what has no S3 spelling', () => {
  const SSE = 'x-amz-server-side-encryption';
  const toObs =
    'The S3 dialect has no spelling for it; the OBS dialect takes x-obs-server-side-encryption: obs.';

  test('CreateBucket takes obs in the OBS dialect', () => {
    expect(run('CreateBucket', 'request', { 'x-obs-server-side-encryption': 'obs' }).valid).toBe(true);
  });

  test.each([
    ['request', 'AES256'],
    ['request', 'obs'],
    ['request', 'aws:AES256'],
    ['request', 'aws:obs'],
    ['response', 'AES256'],
  ] as const)(
    'x-amz-server-side-encryption: %s %s on CreateBucket is refused, pointing to the OBS dialect',
    (dir, value) => {
      const r = run('CreateBucket', dir, { [SSE]: value });
      expect(r.valid).toBe(false);
      expect(r.dialect).toBe('s3');
      expect(r.diagnostics).toEqual([
        expect.objectContaining({
          code: 'value/not-allowed',
          header: SSE,
          expected: ['aws:kms'],
          received: JSON.stringify(value),
        }),
      ]);
      expect(r.diagnostics[0]!.message).toContain(toObs);
    },
  );

  test('the SSE-KMS of buckets does have an S3 spelling', () => {
    expect(
      run('CreateBucket', 'request', { [SSE]: 'aws:kms', [nameIn('kmsKey', 's3')!]: KEY_ID }).valid,
    ).toBe(true);
  });

  const lookalike = (id: HeaderId) => `x-amz-${nameIn(id, 'obs')!.slice(6)}`;
  test.each(obsOnly.map((h) => [h.id, lookalike(h.id)] as const))(
    '%s has no S3 counterpart: %s is an unknown header, pointing to the OBS one',
    (id, name) => {
      const value = id === 'data' ? 'SM4' : PROJECT_ID;
      const r = run('CreateBucket', 'request', {
        [SSE]: 'aws:kms',
        [s3Map.kmsKey!.name]: KEY_ID,
        [name]: value,
      });
      expect(r.dialect).toBe('s3');
      expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'header/unknown', header: name })]);
      expect(r.diagnostics[0]!.message).toContain(
        `Did you mean ${nameIn(id, 'obs')}? It has no S3-dialect spelling.`,
      );
    },
  );

  test.each(obsOnly.map((h) => [h.id, nameIn(h.id, 'obs')!] as const))(
    '%s: the x-obs- header in an S3 message is a dialect mix with no S3 spelling to offer',
    (id, name) => {
      const value = id === 'data' ? 'SM4' : PROJECT_ID;
      const r = run('CreateBucket', 'request', {
        [SSE]: 'aws:kms',
        [s3Map.kmsKey!.name]: KEY_ID,
        [name]: value,
      });
      expect(r.dialect).toBe('s3');
      const mixed = r.diagnostics.filter((d) => d.code === 'dialect/mixed');
      expect(mixed).toEqual([expect.objectContaining({ header: name, received: 'OBS', expected: ['S3'] })]);
      expect(mixed[0]!.message).not.toContain('S3 spelling');
    },
  );

  test('the OBS-only headers are used in the OBS dialect', () => {
    const r = run('CreateBucket', 'request', {
      'x-obs-server-side-encryption': 'kms',
      'x-obs-server-side-data-encryption': 'SM4',
      'x-obs-server-side-encryption-kms-key-id': KEY_ID,
      'x-obs-sse-kms-key-project-id': PROJECT_ID,
    });
    expect(r).toMatchObject({ valid: true, diagnostics: [], dialect: 'obs' });
  });
});
