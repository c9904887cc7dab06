/**
 * `obs-sse lint` on a findings-heavy NDJSON log, in every output format: throughput against the floor
 * (read + JSON.parse each line) measured in the same run, peak RSS, and output size. Each format runs
 * between two runs of the floor and is compared with their mean: on a shared machine the speed drifts.
 *
 *   npx tsx bench/lint-findings.ts                        # BENCH_FINDINGS_MB (default 1000) of NDJSON
 *   BENCH_FINDINGS_MB=300 BENCH_JOBS=2 npx tsx bench/lint-findings.ts
 *
 * The log is built from real SDK header maps: the exchanges of examples/recording.har (the official OBS
 * SDK against the stand-in, S3 dialect, keys redacted) and examples/gateway.ndjson (OBS dialect, real
 * SSE-C keys), multipart sessions left out. Each template is linted on its own first, then exchanges are
 * drawn so that about a quarter have an error and some 7 % a warning only; buckets, User-Agents (the OBS
 * SDK, aws-sdk-js v3, Boto3, the OBS Go SDK), dates and object names vary. Targets: json at 0.5x the floor
 * or better, every format under 200 MB of peak RSS. BENCH_FORMATS (comma-separated) picks formats;
 * BENCH_JOBS passes --jobs; BENCH_RUNS (default 1) keeps the best of several runs.
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeGenerated } from './support/generate';
import {
  DIST_MAIN,
  ensureDist,
  measureInChild,
  ndjsonFloor,
  peakRssMb,
  ROOT,
  runDistCli,
} from './support/lint-run';

const dir = path.join(os.tmpdir(), 'obs-sse-bench-findings');
const MB = Number(process.env.BENCH_FINDINGS_MB ?? 1000);
const FILE = path.join(dir, `findings-${MB}mb.ndjson`);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const JOBS = process.env.BENCH_JOBS;
const FORMATS = (process.env.BENCH_FORMATS ?? 'json,sarif,junit,stylish,summary,html').split(',');

type Pair = [string, string];
interface Line {
  startedDateTime?: string;
  method: string;
  url: string;
  requestHeaders: Pair[];
  status?: number;
  responseHeaders?: Pair[];
}

const USER_AGENTS = [
  undefined, // the template's own (obs-sdk-js/3.26.8 or obs-sdk-go/3.23.12)
  undefined,
  undefined,
  undefined,
  'aws-sdk-js/3.540.0 ua/2.0 os/linux#6.1.0 lang/js md/nodejs#20.11.0 api/s3#3.540.0',
  'aws-sdk-js/3.540.0 ua/2.0 os/linux#6.1.0 lang/js md/nodejs#20.11.0 api/s3#3.540.0',
  'aws-sdk-js/3.621.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#22.4.0 api/s3#3.621.0',
  'Boto3/1.26.137 md/Botocore#1.29.137 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.4',
  'Boto3/1.34.2 md/Botocore#1.34.2 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.1',
  'obs-sdk-go/3.23.12',
];
const MULTIPART = /[?&](uploads|uploadId|partNumber)\b/;

/** The exchanges of the two example recordings, as NDJSON records, without multipart sessions. */
function templates(): Line[] {
  const har = JSON.parse(readFileSync(path.join(ROOT, 'examples', 'recording.har'), 'utf8')) as {
    log: {
      entries: {
        request: { method: string; url: string; headers: { name: string; value: string }[] };
        response: { status: number; headers: { name: string; value: string }[] };
      }[];
    };
  };
  const pairs = (h: { name: string; value: string }[]): Pair[] => h.map((x) => [x.name, x.value]);
  const fromHar: Line[] = har.log.entries.map((e) => ({
    method: e.request.method,
    url: e.request.url,
    requestHeaders: pairs(e.request.headers),
    status: e.response.status,
    responseHeaders: pairs(e.response.headers),
  }));
  const fromGateway = readFileSync(path.join(ROOT, 'examples', 'gateway.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
  return [...fromHar, ...fromGateway].filter((l) => !MULTIPART.test(l.url));
}

/** Templates sorted into those with an error, with only a warning, and clean ones, by linting each alone. */
async function pools(): Promise<{ error: Line[]; warning: Line[]; clean: Line[] }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { lint, streamInput } = require(path.join(ROOT, 'dist/cjs/src/lint')) as typeof import('../src/lint');
  const { Readable } = await import('node:stream');
  const out = { error: [] as Line[], warning: [] as Line[], clean: [] as Line[] };
  for (const t of templates()) {
    const r = await lint([streamInput(Readable.from([Buffer.from(JSON.stringify(t))]), 't.ndjson')]);
    (r.summary.errors > 0 ? out.error : r.summary.warnings > 0 ? out.warning : out.clean).push(t);
  }
  return out;
}

const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);

/** Exchange `i`: a template of the pool the index falls in, with its bucket, client and time varied. */
function exchange(i: number, p: { error: Line[]; warning: Line[]; clean: Line[] }): string {
  // A fixed pseudo-random sequence, so every run builds the same log.
  const r = ((i * 2654435761) >>> 0) % 100;
  const pool = r < 25 ? p.error : r < 32 ? p.warning : p.clean;
  const t = pool[(i >>> 2) % pool.length] as Line;
  const bucket = `team-${(i * 7) % 23}`;
  const when = new Date(T0 + i * 400);
  const ua = USER_AGENTS[(i >>> 3) % USER_AGENTS.length];
  const swap = (pairs: Pair[] | undefined): Pair[] | undefined =>
    pairs?.map(([n, v]): Pair => {
      const lower = n.toLowerCase();
      if (lower === 'host') return [n, v.replace(/^(example-bucket|photos|archive)\./, `${bucket}.`)];
      if (lower === 'date') return [n, when.toUTCString()];
      if (lower === 'user-agent' && ua) return [n, ua];
      return [n, v];
    });
  const line: Line = {
    startedDateTime: when.toISOString(),
    method: t.method,
    url: t.url.replace(/(example-bucket|photos|archive)/, bucket).replace(/(\.[a-z]+)?($|\?)/, `-${i}$1$2`),
    requestHeaders: swap(t.requestHeaders) as Pair[],
  };
  if (t.status !== undefined) line.status = t.status;
  if (t.responseHeaders) line.responseHeaders = swap(t.responseHeaders);
  return `${JSON.stringify(line)}\n`;
}

interface Result {
  mode: string;
  entries: number;
  seconds: number;
  mb: number;
  maxRssMb: number;
  outMb?: number;
}

const outFile = (format: string): string => path.join(dir, `report.${format}`);

/** One measurement, in this (child) process; prints a JSON line. */
async function child(mode: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  let entries = 0;
  if (mode === 'floor') entries = await ndjsonFloor(FILE);
  else {
    const jobs = JOBS ? ['--jobs', JOBS] : [];
    const { code } = await runDistCli([
      'lint',
      '-f',
      mode,
      '-o',
      outFile(mode),
      '--fail-on',
      'never',
      ...jobs,
      FILE,
    ]);
    if (code !== 0) throw new Error(`lint exited ${code}`);
  }
  const result: Result = {
    mode,
    entries,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    mb: statSync(FILE).size / 1e6,
    maxRssMb: peakRssMb(),
  };
  if (mode !== 'floor') result.outMb = statSync(outFile(mode)).size / 1e6;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The json report's summary and how many findings it lists (one per line), read back after the run. */
function checkJson(): {
  listed: number;
  findings: number;
  exchanges: number;
  groups: number;
  omitted: number;
} {
  const text = readFileSync(outFile('json'), 'utf8');
  const listed = text.split('\n    {"file":').length - 1;
  const s = (JSON.parse(text) as { summary: Record<string, number> & { groups: unknown[] } }).summary;
  return {
    listed,
    findings: (s.errors ?? 0) + (s.warnings ?? 0) + (s.infos ?? 0),
    exchanges: s.exchanges ?? 0,
    groups: s.groups.length,
    omitted: s.findingsOmitted ?? 0,
  };
}

async function main(): Promise<void> {
  const [cmd, mode] = process.argv.slice(2);
  if (cmd === 'child' && mode) return child(mode);
  ensureDist();
  if (!DIST_MAIN) throw new Error('no build');
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const p = await pools();
  const n = await writeGenerated(FILE, MB * 1e6, (i) => exchange(i, p));
  console.log(
    `generated ${FILE}: ${n} exchanges from ${p.error.length + p.warning.length + p.clean.length} templates in ${((Date.now() - t0) / 1000).toFixed(0)} s; jobs: ${JOBS ?? 'CLI default'}`,
  );
  const rows = [
    '| format | MB | seconds | MB/s | floor MB/s (runs before and after) | vs floor | target | peak RSS MB | output MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  try {
    // The machine is shared: its speed drifts within a run. Each format is measured between two floor
    // runs, and compared with the mean rate of those two.
    const rate = (r: Result): number => r.mb / r.seconds;
    let before = measureInChild<Result>(__filename, ['floor'], RUNS);
    const floors = [before];
    for (const format of FORMATS) {
      const r = measureInChild<Result>(__filename, [format], RUNS);
      const after = measureInChild<Result>(__filename, ['floor'], RUNS);
      floors.push(after);
      const floorRate = (rate(before) + rate(after)) / 2;
      const target = format === 'json' ? '>= 0.5x' : '';
      rows.push(
        `| ${format} | ${r.mb.toFixed(0)} | ${r.seconds.toFixed(2)} | ${rate(r).toFixed(1)} | ${floorRate.toFixed(1)} | ${(rate(r) / floorRate).toFixed(2)}x | ${target} | ${r.maxRssMb.toFixed(0)} | ${(r.outMb ?? 0).toFixed(1)} |`,
      );
      before = after;
    }
    const rates = floors.map(rate).sort((x, y) => x - y);
    rows.push(
      `| floor: read + JSON.parse (${floors.length} runs) | ${(floors[0] as Result).mb.toFixed(0)} | | ${(rates[Math.floor(rates.length / 2)] as number).toFixed(1)} (${(rates[0] as number).toFixed(1)}-${(rates[rates.length - 1] as number).toFixed(1)}) | | 1.00x | | ${Math.max(...floors.map((f) => f.maxRssMb)).toFixed(0)} | |`,
    );
    console.log(rows.join('\n'));
    if (FORMATS.includes('json')) {
      const c = checkJson();
      console.log(
        `\njson: ${c.exchanges} exchanges, ${c.findings} findings counted, ${c.listed} listed, ${c.omitted} omitted, ${c.groups} groups` +
          (c.listed === c.findings ? ' (nothing capped or lost)' : ' (MISMATCH)'),
      );
    }
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
