/**
 * Large NDJSON inputs: this thread cuts the input into batches of whole lines and hands them round-robin
 * to worker threads, which parse and check them (./batch.ts); the results are merged back strictly in
 * input order, where the multipart session tracker sees them. Reading, parsing and classifying are most
 * of the cost of a lint, and NDJSON lines are independent until the session step, so this is where
 * extra cores pay.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ByteSource } from '../traffic';
import { CHECK_OPTIONS, readerAt, rebase, type BatchResult, type WorkerSetup } from './batch';
import { toBuffer } from './inputs';
import type { Run } from './pipeline';

/** A line longer than this many batches stops the batching: the rest of the input is read in this thread. */
const LONG_LINE_BATCHES = 16;

/** How to start a worker: a script file, or code to evaluate. */
interface WorkerStart {
  code: string;
  eval: boolean;
}

/**
 * The worker script next to this module: compiled JavaScript, or when running under tsx the
 * TypeScript source behind tsx's CommonJS hook (worker threads do not inherit tsx's loader).
 * Undefined where neither can run (ts-jest): the caller then stays in this thread.
 */
export function workerScript(): WorkerStart | undefined {
  const js = join(__dirname, 'worker.js');
  if (existsSync(js)) return { code: js, eval: false };
  const ts = join(__dirname, 'worker.ts');
  if (!existsSync(ts) || !process.execArgv.some((a) => a.includes('tsx'))) return undefined;
  let api: string;
  try {
    api = require.resolve('tsx/cjs/api');
  } catch {
    return undefined;
  }
  return { code: `require(${JSON.stringify(api)}).register(); require(${JSON.stringify(ts)});`, eval: true };
}

function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** Lints one NDJSON source with `jobs` worker threads, merging into `run` in input order. */
export async function lintNdjsonInWorkers(
  source: ByteSource,
  run: Run,
  jobs: number,
  progress: (bytes: number) => void,
): Promise<void> {
  const script = workerScript();
  if (!script) throw new Error('no worker script');
  const options: WorkerSetup['options'] = {};
  for (const k of CHECK_OPTIONS)
    if (run.options[k] !== undefined) Object.assign(options, { [k]: run.options[k] });
  const setup: WorkerSetup = { options, keepAll: run.keepAll };
  const batchBytes = run.options.batchBytes ?? 256 * 1024;
  const pool = Array.from(
    { length: jobs },
    () => new Worker(script.code, { eval: script.eval, workerData: setup }),
  );
  const done = new Map<number, BatchResult>();
  let sent = 0;
  let merged = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  // A batch that stopped at an over-long line ends the input, as reading in this thread would.
  let stopped = false;

  const merge = (r: BatchResult): void => {
    done.set(r.seq, r);
    for (let next = done.get(merged); next; next = done.get(merged)) {
      done.delete(merged);
      merged++;
      if (stopped) continue;
      stopped = next.stopped;
      run.flushCounts(next.counts);
      for (const item of next.items) {
        if ('checked' in item) run.apply(item.checked);
        else run.inputError(item.error);
      }
    }
    wake?.();
  };
  for (const w of pool) {
    w.on('message', merge);
    w.on('error', (err) => {
      failure = new Error(`a worker thread failed: ${err.message}`);
      wake?.();
    });
  }
  /** Waits until at most `limit` batches are out. */
  const settle = async (limit: number): Promise<void> => {
    while (sent - merged > limit && !failure) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
  };

  let line = 0;
  let offset = 0;
  const dispatch = (bytes: Buffer): void => {
    // A copy of our own can be transferred, not cloned; the stream's buffers may be pooled.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    (pool[sent % jobs] as Worker).postMessage({ seq: sent, line, offset, bytes: copy }, [copy.buffer]);
    sent++;
    line += countNewlines(bytes);
    offset += bytes.length;
  };

  const it = source[Symbol.asyncIterator]();
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let read = 0;
  try {
    while (!stopped) {
      const next = await it.next();
      if (next.done) break;
      const b = toBuffer(next.value);
      read += b.length;
      progress(read);
      carry.push(b);
      carryBytes += b.length;
      if (carryBytes < batchBytes) continue;
      const all = carry.length === 1 ? b : Buffer.concat(carry, carryBytes);
      const nl = all.lastIndexOf(10);
      if (nl === -1) {
        carry = [all];
        if (carryBytes > LONG_LINE_BATCHES * batchBytes) {
          // One enormous line: finish in this thread, where the reader bounds and reports it.
          await settle(0);
          await inThread(all, it, run, line, offset, (n) => progress((read += n)));
          return;
        }
        continue;
      }
      dispatch(all.subarray(0, nl + 1));
      const rest = all.subarray(nl + 1);
      carry = rest.length > 0 ? [rest] : [];
      carryBytes = rest.length;
      // Bounded read-ahead: memory stays at a few batches per worker.
      await settle(2 * jobs);
    }
    if (carryBytes > 0 && !stopped) dispatch(Buffer.concat(carry, carryBytes));
    await settle(0);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
    // Stopped early (an over-long line, a failed worker): close the input, as a `for await` break would.
    await it.return?.();
  }
}

/** Reads the rest of the input in this thread, starting with `first`, positioned at line/offset. */
async function inThread(
  first: Buffer,
  it: AsyncIterator<Buffer | Uint8Array | string>,
  run: Run,
  line: number,
  offset: number,
  progress: (bytes: number) => void,
): Promise<void> {
  const r = readerAt(line, offset, run.options.maxLineBytes);
  const feed = (b: Buffer): boolean => {
    const more = r.splitter.push(b, r.out);
    for (const item of r.out) rebase(item, r.line, r.offset);
    run.drain(r.out);
    return more;
  };
  if (!feed(first)) return;
  for (let next = await it.next(); !next.done; next = await it.next()) {
    const b = toBuffer(next.value);
    progress(b.length);
    // A line over the bound ends the input; leaving the loop closes it.
    if (!feed(b)) return;
  }
  r.splitter.end(r.out);
  for (const item of r.out) rebase(item, r.line, r.offset);
  run.drain(r.out);
}
