/**
 * Tells a HAR file from an NDJSON log by its first bytes, so `obs-sse lint` can read stdin and
 * files with unhelpful names. Both formats start with `{`: a HAR is one object whose key is `log`,
 * an NDJSON log has one object per line with `method`/`url`.
 */
import type { Readable } from 'node:stream';
import type { ByteSource } from './exchange';
import { peekUntil } from './peek';
import { presetOf, type LogPreset } from './logs';

/** The traffic formats the readers understand: HAR, this project's NDJSON, and the log presets. */
export type TrafficFormat = 'har' | 'ndjson' | LogPreset;

/** Every format, in the order `--input` lists them. */
export const TRAFFIC_FORMATS: readonly TrafficFormat[] = [
  'har',
  'ndjson',
  'nginx',
  'kong',
  'apisix',
  'envoy',
  'otlp',
];

/** What {@link sniffFormat} concluded; `need-more` asks for a longer prefix. */
export type SniffResult = TrafficFormat | 'unknown' | 'need-more';

const NDJSON_KEYS = new Set([
  'method',
  'url',
  'requestHeaders',
  'responseHeaders',
  'status',
  'startedDateTime',
]);
const FIRST_KEY = /^\{\s*"((?:[^"\\]|\\.)*)"\s*:/;

function classifyObject(v: unknown): SniffResult {
  const preset = presetOf(v);
  if (preset) return preset;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'unknown';
  if ('log' in v) return 'har';
  if ('method' in v || 'url' in v) return 'ndjson';
  return 'unknown';
}

/**
 * Decides the format from a prefix of the content. With `atEnd` false, an undecidable prefix
 * yields `need-more`; with `atEnd` true (the prefix is the whole content) it yields `unknown`.
 */
export function sniffFormat(prefix: string | Uint8Array, atEnd: boolean): SniffResult {
  let text = typeof prefix === 'string' ? prefix : Buffer.from(prefix).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/^\s+/, '');
  if (text === '') return atEnd ? 'unknown' : 'need-more';
  // A line may be a batch: APISIX's http-logger posts arrays of entries.
  if (text[0] !== '{' && text[0] !== '[') return 'unknown';
  const nl = text.indexOf('\n');
  if (nl !== -1 || atEnd) {
    const first = nl === -1 ? text : text.slice(0, nl);
    try {
      const r = classifyObject(JSON.parse(first));
      if (r !== 'unknown') return r;
    } catch {
      // A pretty-printed HAR's first line is just "{": look at the first key instead.
    }
  }
  // A batch line is an array of objects; anything else in brackets is not traffic.
  if (text[0] === '[') return /^\[\s*[^\s{]/.test(text) || atEnd ? 'unknown' : 'need-more';
  const m = FIRST_KEY.exec(text);
  if (m) {
    const key = m[1] ?? '';
    if (key === 'log') return 'har';
    if (NDJSON_KEYS.has(key)) return 'ndjson';
    return 'unknown';
  }
  return atEnd ? 'unknown' : 'need-more';
}

/**
 * The format a file name suggests (`.har`, `.ndjson`, `.jsonl`, also compressed: `.har.gz`, `.zhar`),
 * if any. Containers themselves are told by their bytes (./container.ts), not by these names.
 */
export function formatFromFileName(name: string): TrafficFormat | undefined {
  const lower = name.toLowerCase().replace(/\.(?:gz|z|zlib)$/, '');
  if (lower.endsWith('.zhar')) return 'har';
  if (lower.endsWith('.har')) return 'har';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  return undefined;
}

/** Options for {@link detectStream}. */
export interface DetectOptions {
  /** Stop peeking after this many bytes and answer `unknown`. Default 64 KiB. */
  maxPeekBytes?: number;
}

/** The detected format and a stream that yields the whole content, the peeked prefix included. */
export interface Detected {
  format: TrafficFormat | undefined;
  stream: Readable;
}

/**
 * Peeks at the start of `source` (a file stream, `process.stdin`, any async iterable of bytes)
 * until the format is clear, and returns a stream that replays the peeked chunks before the rest.
 * Reading stops as soon as the format is decided, so a slow producer on stdin is not waited on
 * for more than the first record. Destroying the returned stream ends the source.
 */
export async function detectStream(source: ByteSource, options: DetectOptions = {}): Promise<Detected> {
  const { result, stream } = await peekUntil(
    source,
    (prefix, atEnd) => {
      const r = sniffFormat(prefix, atEnd);
      return r === 'need-more' ? (atEnd ? 'unknown' : undefined) : r;
    },
    options.maxPeekBytes ?? 64 * 1024,
  );
  return { format: result === 'unknown' ? undefined : result, stream };
}
