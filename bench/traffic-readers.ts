/**
 * Throughput and memory of the traffic readers against a floor.
 *
 *   npx tsx bench/traffic-readers.ts            # ~200 MB NDJSON, ~100 MB HAR
 *   BENCH_HAR_MB=1024 npx tsx bench/traffic-readers.ts har   # the 1 GB bounded-memory check
 *
 * Floors: NDJSON = stream the file (same chunk size), split lines, JSON.parse each (faster than
 * readFileSync of 200 MB, so the stricter floor); HAR = readFileSync + one JSON.parse.
 * Every measurement runs in its own child process so that `maxRSS` is that measurement's peak;
 * the best of BENCH_RUNS (default 3) runs counts, the peak RSS is the worst.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/Pick';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { readHar } from '../src/traffic/har';
import { ndjsonRecordToExchange, readNdjson } from '../src/traffic/ndjson';
import { writeGenerated, writeHar } from './support/generate';

const dir = path.join(os.tmpdir(), 'obs-sse-bench');
const ndjsonMb = Number(process.env.BENCH_NDJSON_MB ?? 200);
const harMb = Number(process.env.BENCH_HAR_MB ?? 100);
const ndjsonFile = path.join(dir, `traffic-${ndjsonMb}mb.ndjson`);
const harFile = path.join(dir, `traffic-${harMb}mb.har`);

function record(i: number): { request: Record<string, unknown>; response: Record<string, unknown> } {
  const key = `photos/2024/${i % 97}/img-${i}.jpg`;
  const host = `bucket-${i % 13}.obs.cn-north-4.myhuaweicloud.com`;
  const kms = i % 3 === 0;
  const headers: Record<string, string | string[]> = {
    Host: host,
    'User-Agent': 'obs-sdk-js/3.26.8 (Linux; x64) "node" \\ v20',
    'Content-Type': 'image/jpeg',
    'Content-Length': String(1000 + (i % 5000)),
    Date: new Date(1_700_000_000_000 + i * 1000).toUTCString(),
    Authorization: `OBS HPUAXXXXXXXXXXXXXXXX:${Buffer.from(String(i)).toString('base64')}c2lnbmF0dXJl`,
  };
  if (kms) {
    headers['x-obs-server-side-encryption'] = 'kms';
    headers['x-obs-server-side-encryption-kms-key-id'] =
      'cn-north-4:0123456789abcdef:key/8f3a2c1e-1111-2222-3333-444455556666';
  } else {
    headers['x-obs-server-side-encryption-customer-algorithm'] = 'AES256';
    headers['x-obs-server-side-encryption-customer-key'] = 'K7QkYpBkM5+hcs27fsNkUnNVaobncnLht/rCB2o/9Cw=';
    headers['x-obs-server-side-encryption-customer-key-MD5'] = '4XvB3tbNTN+tIEVa0/fGaQ==';
  }
  if (i % 10 === 0) headers['x-obs-meta-tag'] = ['a', 'b'];
  return {
    request: { method: 'PUT', url: `https://${host}/${encodeURI(key)}`, headers },
    response: {
      status: 200,
      headers: {
        'x-obs-request-id': `0000018B${i.toString(16).padStart(8, '0')}`,
        ETag: `"${(i * 2654435761).toString(16)}"`,
        'x-obs-server-side-encryption': kms ? 'kms' : undefined,
      },
    },
  };
}

async function generate(which: string): Promise<void> {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  // Generated files are reused between runs when they are already big enough.
  const have = (file: string, bytes: number) => existsSync(file) && statSync(file).size >= bytes;
  if (which !== 'har' && !have(ndjsonFile, ndjsonMb * 1e6)) {
    await writeGenerated(ndjsonFile, ndjsonMb * 1e6, (i) => {
      const r = record(i);
      return `${JSON.stringify({ method: r.request.method, url: r.request.url, requestHeaders: r.request.headers, status: r.response.status, responseHeaders: r.response.headers })}\n`;
    });
  }
  if (which !== 'ndjson' && !have(harFile, harMb * 1e6)) {
    const pairs = (h: unknown): Array<{ name: string; value: string }> =>
      Object.entries(h as Record<string, string | string[] | undefined>).flatMap(([name, v]) =>
        v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((value) => ({ name, value })),
      );
    await writeHar(harFile, harMb * 1e6, (i) => {
      const r = record(i);
      return {
        startedDateTime: new Date(1_700_000_000_000 + i * 1000).toISOString(),
        time: 42.5,
        request: {
          ...r.request,
          httpVersion: 'HTTP/1.1',
          headers: pairs(r.request.headers),
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: 1000,
        },
        response: {
          status: 200,
          statusText: 'OK',
          httpVersion: 'HTTP/1.1',
          headers: pairs(r.response.headers),
          cookies: [],
          content: { size: 0, mimeType: 'text/plain', text: '' },
          redirectURL: '',
          headersSize: -1,
          bodySize: 0,
        },
        cache: {},
        timings: { send: 0.1, wait: 40, receive: 2.4 },
      };
    });
  }
}

const HWM = Number(process.env.BENCH_HWM ?? 64 * 1024);

/** Runs one measurement in this process; prints a JSON line. */
async function child(mode: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  let n = 0;
  let errors = 0;
  let file = ndjsonFile;
  switch (mode) {
    case 'ndjson-floor': {
      // The cheapest honest way to read and parse every line: stream, decode, split, JSON.parse.
      let carry = '';
      for await (const chunk of createReadStream(ndjsonFile, { highWaterMark: HWM, encoding: 'utf8' })) {
        const t = carry + (chunk as string);
        let a = 0;
        for (;;) {
          const b = t.indexOf('\n', a);
          if (b === -1) break;
          if (b > a) {
            JSON.parse(t.slice(a, b));
            n++;
          }
          a = b + 1;
        }
        carry = t.slice(a);
      }
      if (carry !== '') {
        JSON.parse(carry);
        n++;
      }
      break;
    }
    case 'ndjson-readline': {
      // The alternative design: readline + the same record conversion as the reader.
      let line = 0;
      for await (const text of createInterface({
        input: createReadStream(ndjsonFile, { highWaterMark: HWM }),
        crlfDelay: Infinity,
      })) {
        if (text) {
          ndjsonRecordToExchange(JSON.parse(text), line);
          n++;
        }
        line++;
      }
      break;
    }
    case 'ndjson-reader':
      for await (const item of readNdjson(createReadStream(ndjsonFile, { highWaterMark: HWM }))) {
        if (item.kind === 'exchange') n++;
        else errors++;
      }
      break;
    case 'har-floor': {
      file = harFile;
      const doc = JSON.parse(readFileSync(harFile, 'utf8')) as { log: { entries: unknown[] } };
      n = doc.log.entries.length;
      break;
    }
    case 'har-reader':
      file = harFile;
      for await (const item of readHar(createReadStream(harFile, { highWaterMark: HWM }))) {
        if (item.kind === 'exchange') n++;
        else errors++;
      }
      break;
    case 'har-stream-json': {
      file = harFile;
      const s = createReadStream(harFile, { highWaterMark: HWM })
        .pipe(parser({ packValues: true, streamValues: false }))
        .pipe(pick({ filter: 'log.entries' }))
        .pipe(streamArray());
      s.on('data', () => n++);
      await once(s, 'end');
      break;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const mb = statSync(file).size / 1e6;
  process.stdout.write(
    `${JSON.stringify({ mode, n, errors, seconds, mbps: mb / seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

interface Result {
  mode: string;
  n: number;
  errors: number;
  seconds: number;
  mbps: number;
  maxRssMb: number;
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Best of RUNS child runs: the machine may be shared, and noise only ever makes a run slower. */
function run(mode: string): Result {
  let best: Result | undefined;
  for (let k = 0; k < RUNS; k++) {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, 'child', mode], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Result;
    if (!best || result.seconds < best.seconds)
      best = { ...result, maxRssMb: Math.max(result.maxRssMb, best?.maxRssMb ?? 0) };
    else best.maxRssMb = Math.max(best.maxRssMb, result.maxRssMb);
  }
  if (!best) throw new Error('BENCH_RUNS must be at least 1');
  return best;
}

async function main(): Promise<void> {
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === 'child' && arg) return child(arg);
  const which = cmd ?? 'all';
  await generate(which);
  const show = (r: Result, floor?: Result): void =>
    console.log(
      `${r.mode.padEnd(17)} ${r.mbps.toFixed(1).padStart(7)} MB/s  ${r.seconds.toFixed(2).padStart(6)} s  ` +
        `n=${r.n} errors=${r.errors}  maxRSS ${r.maxRssMb.toFixed(0)} MB` +
        (floor ? `  ratio ${(r.mbps / floor.mbps).toFixed(2)}x floor` : ''),
    );
  if (which !== 'har') {
    console.log(
      `NDJSON ${(statSync(ndjsonFile).size / 1e6).toFixed(0)} MB (${ndjsonFile}), highWaterMark ${HWM}`,
    );
    const floor = run('ndjson-floor');
    show(floor);
    show(run('ndjson-readline'), floor);
    show(run('ndjson-reader'), floor);
  }
  if (which !== 'ndjson') {
    console.log(`HAR ${(statSync(harFile).size / 1e6).toFixed(0)} MB (${harFile}), highWaterMark ${HWM}`);
    const floor = harMb <= 400 ? run('har-floor') : undefined;
    if (floor) show(floor);
    if (harMb <= 400 && !process.env.BENCH_SKIP_STREAM_JSON) show(run('har-stream-json'), floor);
    show(run('har-reader'), floor);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
