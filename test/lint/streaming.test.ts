/**
 * Streamed formatters (src/formatters, src/lint/pipeline.ts lintTo): every format writes findings as
 * the run produces them, in input order, lists them all unless `maxFindings` asks otherwise, and ends
 * with a valid document.
 */
import { Readable } from 'node:stream';
import { WRITERS, type FormatName } from '../../src/formatters';
import { lintTo, streamInput, type LintOutcome } from '../../src/lint';
import { H } from '../helpers';

const HOST = 'https://photos.obs.cn-north-4.myhuaweicloud.com';
/** More findings than the old default cap of 100 000. */
const MANY = 100_500;
const bad = (i: number): string =>
  `${JSON.stringify({ method: 'PUT', url: `${HOST}/o${i}`, requestHeaders: { [H.sse]: 'KMS' } })}\n`;

/** The NDJSON of `n` exchanges, one finding each, in chunks as a file stream would give them. */
function manyInput(n: number) {
  return streamInput(
    Readable.from(
      (function* () {
        for (let i = 0; i < n; i += 5000) {
          let s = '';
          for (let j = i; j < Math.min(n, i + 5000); j++) s += bad(j);
          yield Buffer.from(s);
        }
      })(),
    ),
    'many.ndjson',
  );
}

/** Lints with a format's writer; returns the text, how much was written before the end, and the outcome. */
async function run(format: FormatName, n: number, maxFindings?: number) {
  const parts: string[] = [];
  const writer = WRITERS[format]({ write: (s) => parts.push(s) }, {});
  const outcome: LintOutcome = await lintTo([manyInput(n)], writer, { jobs: 1, maxFindings });
  const beforeEnd = parts.join('');
  writer.end(outcome);
  return { text: parts.join(''), beforeEnd, outcome };
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

// JSON proves there is no cap (more than the old default of 100 000); the others are smaller, for time.
describe.each([
  ['json', MANY],
  ['sarif', 20_000],
  ['junit', 20_000],
  ['stylish', 20_000],
] as [FormatName, number][])('%s', (format, MANY) => {
  it(`lists all ${MANY} findings, written while the run goes, in input order`, async () => {
    const { text, beforeEnd, outcome } = await run(format, MANY);
    expect(outcome.summary).toMatchObject({ errors: MANY, findingsOmitted: 0 });
    // Every finding was written before the run ended, nothing held back (JUnit's go to its spool file).
    if (format !== 'junit') expect(beforeEnd).toContain(`${HOST}/o${MANY - 1}`);
    if (format === 'json') {
      const doc = JSON.parse(text) as { findings: { url: string }[]; summary: { errors: number } };
      expect(doc.findings).toHaveLength(MANY);
      expect(doc.findings[0]?.url).toBe(`${HOST}/o0`);
      expect(doc.findings[MANY - 1]?.url).toBe(`${HOST}/o${MANY - 1}`);
      expect(doc.summary.errors).toBe(MANY);
    } else if (format === 'sarif') {
      const doc = JSON.parse(text) as { runs: { results: unknown[] }[] };
      expect(doc.runs[0]?.results).toHaveLength(MANY);
    } else if (format === 'junit') {
      expect(count(text, '<failure ')).toBe(MANY);
      expect(text).toContain(`<testsuite name="many.ndjson" tests="${MANY}" failures="${MANY}"`);
      expect(text.trimEnd().endsWith('</testsuites>')).toBe(true);
    } else {
      expect(count(text, '\n    request  error   value/not-allowed ')).toBe(MANY);
      expect(text).toContain(`✖ ${MANY} problems`);
      expect(text).not.toContain('not listed');
    }
    expect(text.indexOf(`${HOST}/o1"`.slice(0, -1))).toBeLessThan(text.indexOf(`${HOST}/o2`));
  });
});

it('lists at most --max-findings N and counts the rest', async () => {
  const { text, outcome } = await run('json', 50, 20);
  const doc = JSON.parse(text) as {
    findings: unknown[];
    summary: { errors: number; findingsOmitted: number };
  };
  expect(doc.findings).toHaveLength(20);
  expect(doc.summary).toMatchObject({ errors: 50, findingsOmitted: 30 });
  expect(outcome.aggregate?.groups[0]?.count).toBe(50);
  const stylish = await run('stylish', 50, 20);
  expect(stylish.text).toContain('30 more findings not listed (--max-findings)');
});
