/**
 * NDJSON batches: whole lines cut from the input, checked on their own (in a worker thread) and
 * placed back in the input by their first line's number and byte offset.
 */
import { NdjsonSplitter, type TrafficItem } from '../traffic';
import type { RecordShape } from '../traffic/ndjson';
import {
  emptyBatchCounts,
  uncheckedMessage,
  type BatchCounts,
  type Checked,
  type ExchangeChecker,
} from './check';
import type { InputError, LintOptions } from './types';

/** A batch handed to a worker: whole lines starting at 0-based `line`, byte `offset`. */
export interface BatchRequest {
  seq: number;
  line: number;
  offset: number;
  bytes: Uint8Array;
}

/** An exchange to merge, or an input error, in input order. */
export type BatchItem = { checked: Checked } | { error: Omit<InputError, 'file'> };

/** What a worker sends back. */
export interface BatchResult {
  seq: number;
  counts: BatchCounts;
  items: BatchItem[];
  /** A line over the bound stopped the reading in this batch: nothing after it counts. */
  stopped: boolean;
}

/** The options that checking an exchange reads; all cloneable, so a worker can be given them. */
export const CHECK_OPTIONS = [
  'addressing',
  'dialect',
  'severity',
  'ignoreUrls',
  'endpoints',
  'assumeScheme',
  'redactionMarkers',
  'maxLineBytes',
] as const;

/** What a worker is started with: the cloneable part of the run's options. */
export interface WorkerSetup {
  options: Pick<LintOptions, (typeof CHECK_OPTIONS)[number]>;
  keepAll: boolean;
}

const NEWLINE = Buffer.from('\n');

/**
 * Moves a reader item from batch-local numbering to the input's. The reader numbers lines from the
 * start of what it was given and says so in its messages (`line 3, column 9: …`), so the message's
 * leading line number moves too.
 */
export function rebase(item: TrafficItem, line: number, offset: number): void {
  if (item.kind === 'exchange') {
    item.exchange.entry += line;
    return;
  }
  if (item.entry !== undefined) item.entry += line;
  if (item.position.line !== undefined) item.position.line += line;
  if (item.position.offset !== undefined) item.position.offset += offset;
  item.message = item.message.replace(/^line (\d+)/, (_, n: string) => `line ${Number(n) + line}`);
}

/**
 * A reader positioned at `line`/`offset` of the input. A batch after the first starts with a
 * newline, so that the reader's first line (where it drops a byte-order mark) is an empty one and not
 * the batch's first real line; rebasing accounts for it.
 */
export function readerAt(
  line: number,
  offset: number,
  maxLineBytes?: number,
): { splitter: NdjsonSplitter; out: TrafficItem[]; line: number; offset: number } {
  const splitter = lintSplitter(maxLineBytes);
  const out: TrafficItem[] = [];
  if (line === 0 && offset === 0) return { splitter, out, line, offset };
  splitter.push(NEWLINE, out);
  return { splitter, out, line: line - 1, offset: offset - 1 };
}

/**
 * The line reader of a lint run (NDJSON, or a gateway preset's `records`): bounded lines, and a line
 * over the bound ends the input.
 */
export function lintSplitter(maxLineBytes: number | undefined, records?: RecordShape): NdjsonSplitter {
  return new NdjsonSplitter({ maxLineBytes, stopAtLongLine: true, ...(records ? { records } : {}) });
}

/** Reads and checks one batch. */
export function checkBatch(
  req: BatchRequest,
  checker: ExchangeChecker,
  keepAll: boolean,
  maxLineBytes?: number,
): BatchResult {
  const r = readerAt(req.line, req.offset, maxLineBytes);
  const stopped = !r.splitter.push(
    Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength),
    r.out,
  );
  r.splitter.end(r.out);
  const counts = emptyBatchCounts();
  const items: BatchItem[] = [];
  for (const item of r.out) {
    rebase(item, r.line, r.offset);
    if (item.kind === 'exchange') {
      const entry = item.exchange.entry;
      try {
        const checked = checker.check(item.exchange, counts, keepAll);
        if (checked) items.push({ checked });
      } catch (err) {
        items.push({
          error: { entry, line: entry + 1, message: uncheckedMessage(`line ${entry + 1}`, err) },
        });
      }
    } else {
      const error: Omit<InputError, 'file'> = { message: item.message, ...item.position };
      if (item.entry !== undefined) error.entry = item.entry;
      items.push({ error });
    }
  }
  return { seq: req.seq, counts, items, stopped };
}
