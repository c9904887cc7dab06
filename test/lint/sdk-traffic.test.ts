/**
 * The linter on real traffic: the official SDK (esdk-obs-nodejs) runs its scenarios against the stand-in
 * over HTTPS in the OBS and S3 dialects; the stand-in records a (redacted) HAR, and a forwarder in front
 * of it records the same traffic unredacted as NDJSON. Both recordings are linted.
 *
 * - Every request the SDK sends from correct parameters lints clean, except where the SDK itself is at
 *   fault; each such defect (docs/sdk-notes.md) has a test below that names it.
 * - Every wrong-parameter scenario is flagged with the code that names its mistake. The key-content
 *   mistakes (a 16-byte key, a key encoded twice) only show in the unredacted recording: a HAR written
 *   by the stand-in says `[REDACTED]`, which the linter reads as "present, content unknown".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin } from '../../src/standin/server';
import { fileInput, lint, type Finding } from '../../src/lint';
import {
  ALL_CUSTOMER_KEYS_B64,
  runScenarios,
  SCENARIOS,
  type ScenarioResult,
  type SdkMode,
} from '../support/sdk';
import { startRecorder } from './support/recorder';
import { makePki } from '../../src/standin/tls';

interface Recording {
  results: ScenarioResult[];
  har: Finding[];
  ndjson: Finding[];
  harText: string;
}

let dir: string;
const recordings = new Map<SdkMode, Recording>();
const MODES = ['obs', 's3'] as const;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-sdk-lint-'));
  const pki = makePki();
  pki.remove();
  const tls = pki.tls;
  for (const mode of MODES) {
    const harFile = join(dir, `${mode}.har`);
    const ndjsonFile = join(dir, `${mode}.ndjson`);
    const standin = await startStandin({ har: harFile, tls });
    const recorder = await startRecorder(standin.port, tls);
    let results: ScenarioResult[];
    try {
      results = await runScenarios({ port: recorder.port, mode, https: true }, { recorded: recorder.lines });
    } finally {
      await recorder.close();
      await standin.close();
    }
    // Every exchange went through the forwarder to the stand-in, one for one.
    expect(recorder.lines).toHaveLength(standin.exchanges.length);
    writeFileSync(ndjsonFile, recorder.lines.map((l) => JSON.stringify(l)).join('\n'));
    // OBS mode talks to {bucket}.localhost, which the classifier's `auto` reads as path-style.
    const addressing = mode === 'obs' ? 'virtual' : 'auto';
    const har = await lint([fileInput(harFile, `${mode}.har`)], { addressing });
    const ndjson = await lint([fileInput(ndjsonFile, `${mode}.ndjson`)], { addressing });
    expect(har.inputErrors).toEqual([]);
    expect(ndjson.inputErrors).toEqual([]);
    recordings.set(mode, {
      results,
      har: har.findings,
      ndjson: ndjson.findings,
      harText: readFileSync(harFile, 'utf8'),
    });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const recording = (mode: SdkMode): Recording => {
  const r = recordings.get(mode);
  if (!r) throw new Error(`no recording for ${mode}`);
  return r;
};

/** The codes found in the exchanges of one scenario, in order, from one recording. */
function codesOf(mode: SdkMode, id: string, source: 'har' | 'ndjson'): string[] {
  const r = recording(mode);
  const s = r.results.find((x) => x.id === id);
  if (!s?.exchanges) throw new Error(`scenario ${id} did not run in ${mode} mode`);
  const [from, to] = s.exchanges;
  // HAR entries and forwarder lines are both in completion order, and scenarios run one after another.
  return r[source].filter((f) => f.entry >= from && f.entry < to).map((f) => f.code);
}

const KEY_CONTENT = new Set(['sse-c/invalid-key', 'sse-c/md5-mismatch']);
const unique = (codes: string[]): string[] => [...new Set(codes)].sort();

/** What the SDK's own defects add to correct scenarios, per mode (docs/sdk-notes.md). */
const DEFECTS: Record<SdkMode, Record<string, string[]>> = {
  obs: {
    'upload-file-sse-c': ['sse-c/incomplete'],
    'put-kms-key-project': ['sse-kms/project-id-unlisted'],
  },
  s3: {
    'upload-file-sse-c': ['sse-c/incomplete'],
    'put-sse-obs': ['value/not-allowed'],
    'append-kms': ['header/unknown'],
    'put-kms-key-project': ['sse-kms/project-id-unlisted'],
  },
  's3-v4': {},
  's3-virtual': {},
};

describe.each(MODES)('%s mode', (mode) => {
  it('ran every scenario meant for the mode', () => {
    const expected = SCENARIOS.filter((s) => !s.modes || s.modes.includes(mode)).map((s) => s.id);
    expect(recording(mode).results.map((r) => r.id)).toEqual(expected);
  });

  it('lints every request of the correct scenarios clean, but for the SDK defects named below', () => {
    const seen: Record<string, string[]> = {};
    for (const s of recording(mode).results) {
      if (s.kind === 'wrong') continue;
      const codes = unique(codesOf(mode, s.id, 'har'));
      if (codes.length > 0) seen[s.id] = codes;
    }
    expect(seen).toEqual(DEFECTS[mode]);
  });

  it('finds the same in the unredacted recording, plus what only the key bytes show', () => {
    for (const s of recording(mode).results) {
      const har = unique(codesOf(mode, s.id, 'har'));
      const ndjson = unique(codesOf(mode, s.id, 'ndjson').filter((c) => !KEY_CONTENT.has(c)));
      expect({ id: s.id, codes: ndjson }).toEqual({ id: s.id, codes: har });
      if (s.kind !== 'wrong')
        expect({ id: s.id, key: codesOf(mode, s.id, 'ndjson').filter((c) => KEY_CONTENT.has(c)) }).toEqual({
          id: s.id,
          key: [],
        });
    }
  });

  const wrong: [string, string[], 'har' | 'ndjson'][] = [
    ['wrong-sse-c-16-byte-key', ['sse-c/invalid-key'], 'ndjson'],
    ['wrong-sse-c-base64-key', ['sse-c/invalid-key'], 'ndjson'],
    ['wrong-sse-c-aes128', ['value/not-allowed'], 'har'],
    ['wrong-sse-c-with-kms', ['sse/conflicting-methods'], 'har'],
    // S3 mode: the SDK sends aws:AES256, which is wrong before the key id is (defect 3).
    [
      'wrong-kms-key-with-aes256',
      [mode === 'obs' ? 'sse-kms/key-id-requires-kms' : 'value/not-allowed'],
      'har',
    ],
    ['wrong-sse-obs-spelling', ['value/not-allowed'], 'har'],
    ['wrong-kms-uppercase', ['value/not-allowed'], 'har'],
    ['wrong-kms-key-without-sse', ['sse-kms/key-id-requires-kms'], 'har'],
    ['wrong-sse-c-key-without-algorithm', ['sse-c/incomplete'], 'har'],
    ['wrong-upload-part-without-sse-c', ['session/key-mismatch'], 'har'],
  ];
  it.each(wrong)('flags %s with %j', (id, codes, source) => {
    expect(codesOf(mode, id, source)).toEqual(expect.arrayContaining(codes));
    // The redacted recording cannot see a key's bytes, and does not guess.
    if (source === 'ndjson') expect(codesOf(mode, id, 'har').filter((c) => KEY_CONTENT.has(c))).toEqual([]);
  });

  it('cannot tell from headers that a GetObject of an SSE-C object lacks the key (OBS answers 400)', () => {
    expect(codesOf(mode, 'wrong-get-sse-c-without-key', 'ndjson')).toEqual([]);
  });

  it('never reproduces a customer key in a finding', () => {
    const text = JSON.stringify([recording(mode).har, recording(mode).ndjson]);
    for (const key of ALL_CUSTOMER_KEYS_B64) expect(text.includes(key)).toBe(false);
    expect(ALL_CUSTOMER_KEYS_B64.some((k) => recording(mode).harText.includes(k))).toBe(false);
  });
});

describe('SDK defects the linter catches (docs/sdk-notes.md)', () => {
  it('defect 1: uploadFile drops the SSE-C algorithm from the initiate and every part (sse-c/incomplete)', () => {
    for (const mode of MODES) {
      const r = recording(mode);
      const s = r.results.find((x) => x.id === 'upload-file-sse-c')!;
      const [from, to] = s.exchanges!;
      const flagged = new Set(
        r.har
          .filter(
            (f) =>
              f.entry >= from && f.entry < to && f.code === 'sse-c/incomplete' && f.direction === 'request',
          )
          .map((f) => f.operation),
      );
      expect([...flagged].sort()).toEqual(['InitiateMultipartUpload', 'UploadPart']);
      // The workaround (also passing the misspelt `sseC`) lints clean.
      expect(codesOf(mode, 'upload-file-sse-c-workaround', 'har')).toEqual([]);
    }
  });

  it('defect 3: the S3 dialect sends aws:AES256 for SSE-OBS (value/not-allowed)', () => {
    const f = recording('s3').har.filter(
      (x) => x.code === 'value/not-allowed' && x.url.endsWith('/put-sse-obs.bin'),
    );
    expect(f.map((x) => x.message)).toContain(
      'x-amz-server-side-encryption: "aws:AES256" is not allowed on PutObject requests; expected aws:kms or AES256. Did you mean AES256? PutObject requests spell this AES256.',
    );
    expect(codesOf('obs', 'put-sse-obs', 'har')).toEqual([]);
  });

  it('defect 4: S3-dialect AppendObject sends the KMS key id under the wrong name (header/unknown)', () => {
    const f = recording('s3').har.filter((x) => x.operation === 'AppendObject');
    // Only the first append carries the key id: later ones carry no SSE-KMS header (追加写对象, constraint 3).
    expect(f.map((x) => [x.code, x.header])).toEqual([
      ['header/unknown', 'x-amz-server-side-encryption-kms-key-id'],
    ]);
    expect(f[0]?.message).toContain('Did you mean x-amz-server-side-encryption-aws-kms-key-id?');
  });

  it('defect 5: the project id on object writes is a warning in either dialect (x-amz-sse-kms-key-project-id is its S3 spelling)', () => {
    expect(
      recording('obs')
        .har.filter((x) => x.code === 'sse-kms/project-id-unlisted')
        .map((x) => x.severity),
    ).toEqual(['warning']);
    const s3 = recording('s3').har.filter((x) => x.header === 'x-amz-sse-kms-key-project-id');
    expect(s3.map((x) => [x.severity, x.code, x.direction])).toEqual([
      ['warning', 'sse-kms/project-id-unlisted', 'request'],
    ]);
  });

  it('defect 8: the SDK sends wrong parameters as given; the linter names each mistake (see the wrong-* tests)', () => {
    for (const mode of MODES) {
      for (const s of recording(mode).results.filter(
        (x) => x.kind === 'wrong' && x.id !== 'wrong-get-sse-c-without-key',
      )) {
        expect({ id: s.id, flagged: codesOf(mode, s.id, 'ndjson').length > 0 }).toEqual({
          id: s.id,
          flagged: true,
        });
      }
    }
  });

  it('defect 9: a key passed already base64-encoded is encoded again, to 44 bytes (sse-c/invalid-key)', () => {
    const f = recording('obs').ndjson.filter(
      (x) => x.url.endsWith('/wrong-b64.bin') && x.code === 'sse-c/invalid-key',
    );
    expect(f).toHaveLength(1);
    expect(f[0]?.message).toMatch(/exactly 32 bytes.*; .*44/);
  });
});
