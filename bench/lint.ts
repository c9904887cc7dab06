/**
 * Throughput and peak memory of `obs-sse lint` against a floor, on generated traffic.
 *
 *   npx tsx bench/lint.ts                    # ~1 GB NDJSON and ~200 MB HAR in the OS temp dir
 *   BENCH_NDJSON_MB=100 BENCH_HAR_MB=50 npx tsx bench/lint.ts   # a quick run
 *
 * Floors: NDJSON = stream the file, split lines, JSON.parse each line; HAR = readFileSync + one
 * JSON.parse. Targets: NDJSON lint >= 0.5x its floor's MB/s, HAR lint >= 0.3x, peak RSS < 300 MB.
 * Each measurement runs in a child process (maxRSS is that run's peak) and goes through the compiled
 * CLI's `run` (dist/, built first when older than src/) with `--format json`: the whole pipeline,
 * formatter included. The
 * best of BENCH_RUNS (default 1) runs counts. `ndjson-lint` uses the CLI's default threads (worker threads
 * for inputs of 32 MB or more, up to 4); `ndjson-lint-1-thread` passes `--jobs 1`. The generated files are deleted at the end unless
 * BENCH_KEEP=1.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeGenerated, writeHar } from './support/generate';
import { ensureDist, measureInChild, ndjsonFloor, peakRssMb, runDistCli } from './support/lint-run';

const dir = path.join(os.tmpdir(), 'obs-sse-bench-lint');
const ndjsonMb = Number(process.env.BENCH_NDJSON_MB ?? 1000);
const harMb = Number(process.env.BENCH_HAR_MB ?? 200);
const ndjsonFile = path.join(dir, `lint-${ndjsonMb}mb.ndjson`);
const harFile = path.join(dir, `lint-${harMb}mb.har`);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const KEY = Buffer.alloc(32, 7);
const KEY_B64 = KEY.toString('base64');
const KEY_MD5 = createHash('md5').update(KEY).digest('base64');
const KMS_KEY = 'cn-north-4:0b2a0a0e53f0422f8bd7f1ed2d4b3a3e:key/4f1cd4de-ab64-4807-920a-47fc42e7f0d0';

interface Record {
  method: string;
  url: string;
  requestHeaders: [string, string][];
  status: number;
  responseHeaders: [string, string][];
  responseText?: string;
}

/**
 * Exchange `i` of a gateway log: mostly SSE-KMS and SSE-C uploads and downloads, multipart sessions,
 * a few calls the linter skips, and about 1 % with a finding (as real traffic has few).
 */
function exchange(i: number): Record {
  const bucket = `media-${i % 11}`;
  const host = `${bucket}.obs.cn-north-4.myhuaweicloud.com`;
  const key = `uploads/2024/${i % 97}/object-${i}.bin`;
  const common: [string, string][] = [
    ['Host', host],
    ['User-Agent', 'obs-sdk-js/3.26.8'],
    ['Date', new Date(1_700_000_000_000 + i * 250).toUTCString()],
    ['Authorization', `OBS HPUAEXAMPLEACCESSKEY:${Buffer.from(String(i * 7919)).toString('base64')}`],
  ];
  const rid: [string, string][] = [
    ['Server', 'OBS'],
    ['x-obs-request-id', `0000018B${i.toString(16).padStart(16, '0')}`],
    ['x-obs-id-2', `32AAAQAAEAABAAAQAAEAABAAAQAAEAABCS${i}`],
  ];
  const ssec: [string, string][] = [
    ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
    ['x-obs-server-side-encryption-customer-key', KEY_B64],
    ['x-obs-server-side-encryption-customer-key-MD5', KEY_MD5],
  ];
  const ssecEcho: [string, string][] = [
    ['x-obs-server-side-encryption-customer-algorithm', 'AES256'],
    ['x-obs-server-side-encryption-customer-key-MD5', KEY_MD5],
  ];
  const kind = i % 100;
  const base = `https://${host}/${key}`;
  if (kind === 0) {
    // A finding: a near-miss value.
    return {
      method: 'PUT',
      url: base,
      requestHeaders: [...common, ['Content-Length', '4096'], ['x-obs-server-side-encryption', 'KMS']],
      status: 200,
      responseHeaders: [...rid, ['ETag', `"${i.toString(16)}"`]],
    };
  }
  if (kind < 45) {
    return {
      method: 'PUT',
      url: base,
      requestHeaders: [
        ...common,
        ['Content-Type', 'application/octet-stream'],
        ['Content-Length', String(1000 + (i % 9000))],
        ['x-obs-server-side-encryption', 'kms'],
        ['x-obs-server-side-encryption-kms-key-id', KMS_KEY],
      ],
      status: 200,
      responseHeaders: [
        ...rid,
        ['ETag', `"${(i * 2654435761).toString(16)}"`],
        ['x-obs-server-side-encryption', 'kms'],
        ['x-obs-server-side-encryption-kms-key-id', KMS_KEY],
      ],
    };
  }
  if (kind < 65) {
    return {
      method: i % 2 ? 'GET' : 'PUT',
      url: base,
      requestHeaders: [...common, ...ssec],
      status: 200,
      responseHeaders: [...rid, ['Content-Length', '2048'], ...ssecEcho],
    };
  }
  if (kind < 90) {
    return {
      method: 'GET',
      url: base,
      requestHeaders: common,
      status: 200,
      responseHeaders: [...rid, ['Content-Length', '2048'], ['x-obs-server-side-encryption', 'kms']],
    };
  }
  if (kind < 97) {
    // A multipart session: the initiate (with its XML) at kind 90, parts after it, complete at 96.
    const session = Math.floor(i / 100);
    const uploadId = `0000018C${session.toString(16).padStart(24, '0')}`;
    const mpUrl = `https://${host}/big/${session}.bin`;
    if (kind === 90) {
      return {
        method: 'POST',
        url: `${mpUrl}?uploads`,
        requestHeaders: [...common, ...ssec],
        status: 200,
        responseHeaders: [...rid, ['Content-Type', 'application/xml'], ...ssecEcho],
        responseText: `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>big/${session}.bin</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      };
    }
    if (kind === 96) {
      return {
        method: 'POST',
        url: `${mpUrl}?uploadId=${uploadId}`,
        requestHeaders: [...common, ['Content-Type', 'application/xml']],
        status: 200,
        responseHeaders: [...rid, ...ssecEcho],
      };
    }
    return {
      method: 'PUT',
      url: `${mpUrl}?partNumber=${kind - 90}&uploadId=${uploadId}`,
      requestHeaders: [...common, ['Content-Length', '5242880'], ...ssec],
      status: 200,
      responseHeaders: [...rid, ['ETag', `"${i.toString(16)}"`], ...ssecEcho],
    };
  }
  // Calls the linter skips: listing, ACLs, bucket configuration.
  const urls = [`https://${host}/?prefix=uploads/`, `${base}?acl`, `https://${host}/?encryption`];
  return {
    method: 'GET',
    url: urls[kind - 97] ?? base,
    requestHeaders: common,
    status: 200,
    responseHeaders: [...rid, ['Content-Type', 'application/xml']],
  };
}

const nv = (pairs: [string, string][]) => pairs.map(([name, value]) => ({ name, value }));

async function generate(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await writeGenerated(ndjsonFile, ndjsonMb * 1e6, (i) => `${JSON.stringify(exchange(i))}\n`);
  await writeHar(harFile, harMb * 1e6, (i) => {
    const e = exchange(i);
    const entry = {
      startedDateTime: new Date(1_700_000_000_000 + i * 250).toISOString(),
      time: 12.5,
      request: {
        method: e.method,
        url: e.url,
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: nv(e.requestHeaders),
        queryString: [],
        headersSize: -1,
        bodySize: 0,
      },
      response: {
        status: e.status,
        statusText: 'OK',
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: nv(e.responseHeaders),
        content: {
          size: 0,
          mimeType: 'application/xml',
          ...(e.responseText ? { text: e.responseText } : {}),
        },
        redirectURL: '',
        headersSize: -1,
        bodySize: 0,
      },
      cache: {},
      timings: { send: 0.1, wait: 11, receive: 1.4 },
    };
    return entry;
  });
}

interface Result {
  mode: string;
  entries: number;
  seconds: number;
  mb: number;
  maxRssMb: number;
  errors?: number;
}

/** One measurement, in this (child) process; prints a JSON line. */
async function child(mode: string): Promise<void> {
  const file = mode.startsWith('ndjson') ? ndjsonFile : harFile;
  const t0 = process.hrtime.bigint();
  let entries: number;
  let errors: number | undefined;
  if (mode === 'ndjson-floor') {
    entries = await ndjsonFloor(file);
  } else if (mode === 'har-floor') {
    entries = (JSON.parse(readFileSync(file, 'utf8')) as { log: { entries: unknown[] } }).log.entries.length;
  } else {
    const jobs = mode.endsWith('-1-thread') ? ['--jobs', '1'] : [];
    const { code, stdout } = await runDistCli([
      'lint',
      '--format',
      'json',
      '--fail-on',
      'never',
      ...jobs,
      file,
    ]);
    if (code !== 0) throw new Error(`lint exited ${code}`);
    const summary = (JSON.parse(stdout) as { summary: { exchanges: number; errors: number } }).summary;
    entries = summary.exchanges;
    errors = summary.errors;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const result: Result = {
    mode,
    entries,
    seconds,
    mb: statSync(file).size / 1e6,
    maxRssMb: peakRssMb(),
  };
  if (errors !== undefined) result.errors = errors;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function measure(mode: string): Result {
  return measureInChild<Result>(__filename, [mode], RUNS);
}

async function main(): Promise<void> {
  const [cmd, mode] = process.argv.slice(2);
  if (cmd === 'child' && mode) return child(mode);
  ensureDist();
  const t0 = Date.now();
  await generate();
  console.log(`generated ${ndjsonFile} and ${harFile} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const rows: string[] = [
    '| input | MB | entries | seconds | entries/s | MB/s | vs floor | target | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const row = (r: Result, floor?: Result, target?: number): void => {
    const ratio = floor ? (r.mb / r.seconds / (floor.mb / floor.seconds)).toFixed(2) + 'x' : '';
    rows.push(
      `| ${r.mode} | ${r.mb.toFixed(0)} | ${r.entries} | ${r.seconds.toFixed(2)} | ${Math.round(r.entries / r.seconds)} | ` +
        `${(r.mb / r.seconds).toFixed(1)} | ${ratio} | ${target ? `>= ${target}x` : ''} | ${r.maxRssMb.toFixed(0)} |`,
    );
  };
  try {
    const nf = measure('ndjson-floor');
    row(nf);
    const nl = measure('ndjson-lint');
    row(nl, nf, 0.5);
    row(measure('ndjson-lint-1-thread'), nf, 0.5);
    const hf = measure('har-floor');
    row(hf);
    const hl = measure('har-lint');
    row(hl, hf, 0.3);
    console.log(rows.join('\n'));
    console.log(
      `\nlint errors found: NDJSON ${nl.errors ?? 0}, HAR ${hl.errors ?? 0} (about 1 % of exchanges by design)`,
    );
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
