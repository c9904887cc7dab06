/**
 * OpenTelemetry HTTP spans in OTLP JSON, one export request per line as the Collector's file exporter
 * writes them: `{"resourceSpans":[{"scopeSpans":[{"spans":[…]}]}]}`. Each span with an HTTP method
 * attribute is an exchange; other spans are not exchanges and are passed over.
 *
 * Attributes follow the HTTP semantic conventions: `http.request.method`, `url.full` (or `url.scheme`,
 * `server.address`, `server.port`, `url.path`, `url.query`), `http.response.status_code`, and the
 * opt-in `http.request.header.<name>` / `http.response.header.<name>` (string arrays). The older names
 * (`http.method`, `http.url`, `http.status_code`) are read too, and header names written with `_` for
 * `-`, as older instrumentations do, are spelled back with `-`.
 */
import type { Exchange, HeaderPair } from '../exchange';
import type { RecordShape } from '../ndjson';
import { exchangeOf, isObject, ShapeError, statusOf, text } from './common';

/** True when a parsed line looks like this shape. */
export function isOtlp(v: Record<string, unknown>): boolean {
  return 'resourceSpans' in v;
}

const REQ = 'http.request.header.';
const RES = 'http.response.header.';

/** An OTLP `AnyValue` as strings: one for a scalar, several for an array, none for absent. */
function valuesOf(v: unknown): string[] {
  if (!isObject(v)) return [];
  if (typeof v.stringValue === 'string') return [v.stringValue];
  if (typeof v.intValue === 'string' || typeof v.intValue === 'number') return [String(v.intValue)];
  if (isObject(v.arrayValue) && Array.isArray(v.arrayValue.values))
    return v.arrayValue.values.flatMap(valuesOf);
  return [];
}

function spanToExchange(span: Record<string, unknown>, entry: number): Exchange | undefined {
  const attrs = new Map<string, string[]>();
  const requestHeaders: HeaderPair[] = [];
  const responseHeaders: HeaderPair[] = [];
  for (const a of Array.isArray(span.attributes) ? span.attributes : []) {
    if (!isObject(a) || typeof a.key !== 'string') continue;
    const values = valuesOf(a.value);
    const into = a.key.startsWith(REQ) ? requestHeaders : a.key.startsWith(RES) ? responseHeaders : undefined;
    if (into) {
      const name = a.key.slice(into === requestHeaders ? REQ.length : RES.length).replace(/_/g, '-');
      for (const value of values) if (value !== '' && value !== '-') into.push([name, value]);
    } else attrs.set(a.key, values);
  }
  const get = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = text(attrs.get(k)?.[0]);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const method = get('http.request.method', 'http.method');
  if (method === undefined) return undefined;
  let url = get('url.full', 'http.url');
  if (url === undefined) {
    const host = get('server.address', 'http.host', 'net.peer.name');
    const port = get('server.port', 'net.peer.port');
    const path = get('url.path', 'http.target');
    const query = get('url.query');
    const scheme = get('url.scheme', 'http.scheme') ?? 'http';
    if (path !== undefined) {
      const authority = host === undefined ? '' : `${scheme}://${host}${port ? `:${port}` : ''}`;
      url = `${authority}${path}${query ? `?${query}` : ''}`;
    }
  }
  const statusText = get('http.response.status_code', 'http.status_code');
  const e = exchangeOf(
    {
      method,
      url,
      requestHeaders,
      status: statusOf(statusText, 'http.response.status_code'),
      responseHeaders,
    },
    entry,
    { method: 'http.request.method', url: 'url.full' },
  );
  const nanos = text(span.startTimeUnixNano);
  if (nanos !== undefined && /^\d{1,20}$/.test(nanos)) {
    e.startedDateTime = new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString();
  }
  return e;
}

const list = (v: unknown, field: string): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ShapeError(`"${field}" must be an array`);
  return v;
};

function toExchanges(v: unknown, entry: number): Exchange[] {
  if (!isObject(v)) throw new ShapeError('the line is not an object');
  const out: Exchange[] = [];
  for (const rs of list(v.resourceSpans, 'resourceSpans')) {
    if (!isObject(rs)) continue;
    for (const ss of list(rs.scopeSpans ?? rs.instrumentationLibrarySpans, 'scopeSpans')) {
      if (!isObject(ss)) continue;
      for (const span of list(ss.spans, 'spans')) {
        if (!isObject(span)) continue;
        const e = spanToExchange(span, entry);
        if (e) out.push(e);
      }
    }
  }
  return out;
}

/** The OTLP JSON preset. */
export const OTLP: RecordShape = {
  toExchanges,
  shape:
    '{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": "http.request.method", …}, ' +
    '{"key": "http.request.header.<name>", "value": {"arrayValue": …}}]}]}]}]} (OTLP JSON, one export per line)',
};
