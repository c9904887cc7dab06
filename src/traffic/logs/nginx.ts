/**
 * nginx JSON access logs (`log_format … escape=json`) whose keys are the names of the variables they
 * log, as docs/nginx/obs-sse.conf ships them: `request_method`, `scheme`, `http_host`, `request_uri`,
 * `status`, `http_<header>` for request headers and `upstream_http_<header>`/`sent_http_<header>` for
 * response headers (nginx spells `-` as `_` in these names). A leading `$` is allowed. nginx writes
 * `""` for a header the request did not carry: that is absent here, not empty.
 */
import type { Exchange, HeaderPair } from '../exchange';
import { exchangeOf, isObject, ShapeError, statusOf, text } from './common';
import type { RecordShape } from '../ndjson';

const REQUEST = 'http_';
const RESPONSES = ['upstream_http_', 'sent_http_'] as const;

/** True when a parsed line looks like this shape. */
export function isNginx(v: Record<string, unknown>): boolean {
  return 'request_method' in v || '$request_method' in v || 'request_uri' in v || '$request_uri' in v;
}

const headerName = (rest: string): string => rest.replace(/_/g, '-');

function toExchange(v: unknown, entry: number): Exchange {
  if (!isObject(v)) throw new ShapeError('the line is not an object');
  const fields: Record<string, unknown> = {};
  for (const k in v) fields[k.startsWith('$') ? k.slice(1) : k] = v[k];
  const requestHeaders: HeaderPair[] = [];
  const upstream: HeaderPair[] = [];
  const sent: HeaderPair[] = [];
  for (const k in fields) {
    const value = text(fields[k]);
    if (value === undefined) continue;
    if (k.startsWith(REQUEST)) requestHeaders.push([headerName(k.slice(REQUEST.length)), value]);
    else if (k.startsWith(RESPONSES[0])) upstream.push([headerName(k.slice(RESPONSES[0].length)), value]);
    else if (k.startsWith(RESPONSES[1])) sent.push([headerName(k.slice(RESPONSES[1].length)), value]);
  }
  // OBS's own answer when nginx proxied the request, else what nginx sent.
  const responseHeaders = upstream.length > 0 ? upstream : sent;
  let method = fields.request_method;
  let target = text(fields.request_uri);
  const line = text(fields.request);
  if ((method === undefined || target === undefined) && line !== undefined) {
    const [m, t] = line.split(' ');
    method ??= m;
    target ??= t;
  }
  const host = text(fields.http_host) ?? text(fields.host);
  const scheme = text(fields.scheme);
  const url =
    target === undefined
      ? undefined
      : scheme !== undefined && host !== undefined && target.startsWith('/')
        ? `${scheme}://${host}${target}`
        : target;
  const e = exchangeOf(
    { method, url, requestHeaders, status: statusOf(fields.status, 'status'), responseHeaders },
    entry,
    { method: 'request_method', url: 'request_uri' },
  );
  const time = text(fields.time_iso8601);
  if (time !== undefined) e.startedDateTime = time;
  return e;
}

/** The nginx preset. */
export const NGINX: RecordShape = {
  toExchanges: toExchange,
  shape:
    '{"request_method": string, "scheme": string, "http_host": string, "request_uri": string, "status": number, ' +
    '"http_<header>": string, …, "upstream_http_<header>": string, …} (docs/nginx/obs-sse.conf)',
};
