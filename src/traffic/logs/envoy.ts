/**
 * Envoy JSON access logs in the shape docs/envoy/obs-sse-access-log.yaml configures: `method`,
 * `scheme`, `authority`, `path` and `response_code` from `%REQ(:…)%`/`%RESPONSE_CODE%`, the SSE
 * request headers under `request_headers` (`%REQ(NAME)%`) and the response headers under
 * `response_headers` (`%RESP(NAME)%`). Envoy writes an unset value as `null` in JSON logs (`-` in text
 * logs): absent. `upstream_host` and `upstream_tls_version` tell the transport of the hop to OBS.
 */
import type { Exchange } from '../exchange';
import type { RecordShape } from '../ndjson';
import { exchangeOf, headersOf, isObject, ShapeError, statusOf, text } from './common';

/** True when a parsed line looks like this shape. */
export function isEnvoy(v: Record<string, unknown>): boolean {
  return 'request_headers' in v || ('response_code' in v && ('authority' in v || 'path' in v));
}

function toExchange(v: unknown, entry: number): Exchange {
  if (!isObject(v)) throw new ShapeError('the line is not an object');
  const requestHeaders = headersOf(v.request_headers, 'request_headers');
  const authority = text(v.authority);
  // The authority is a pseudo-header Envoy logs apart: put it back, as an HTTP/2 recording has it.
  if (authority !== undefined) requestHeaders.unshift([':authority', authority]);
  const path = text(v.path);
  const scheme = text(v.scheme);
  const url =
    path !== undefined && authority !== undefined && path.startsWith('/')
      ? `${scheme ?? 'http'}://${authority}${path}`
      : path;
  const e = exchangeOf(
    {
      method: v.method,
      url,
      requestHeaders,
      status: statusOf(v.response_code, 'response_code'),
      responseHeaders: headersOf(v.response_headers, 'response_headers'),
    },
    entry,
    { method: 'method', url: 'path' },
  );
  if (text(v.upstream_host) !== undefined)
    e.scheme = text(v.upstream_tls_version) !== undefined ? 'https' : 'http';
  const start = text(v.start_time);
  if (start !== undefined) e.startedDateTime = start;
  return e;
}

/** The Envoy preset. */
export const ENVOY: RecordShape = {
  toExchanges: toExchange,
  shape:
    '{"method": string, "scheme": string, "authority": string, "path": string, "response_code": number, ' +
    '"request_headers": {name: value}, "response_headers": {name: value}} (docs/envoy/obs-sse-access-log.yaml)',
};
