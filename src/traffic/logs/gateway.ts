/**
 * Kong's log serializer (http-log, file-log, tcp-log…) and APISIX's loggers (http-logger,
 * file-logger…): one JSON object per exchange with `request.{method,url,headers}` and
 * `response.{status,headers}`. APISIX's http-logger posts batches as JSON arrays; a line holding an
 * array is read entry by entry.
 *
 * Kong also logs where it sent the request: `service.{protocol,host}` and `upstream_uri`. That is
 * the request OBS received, so it is read instead of the client's URL, with the transport of that hop
 * as the exchange's scheme; the client's `Host` is then dropped unless the route preserves it.
 */
import type { Exchange } from '../exchange';
import type { RecordShape } from '../ndjson';
import { exchangeOf, headersOf, isObject, schemeOf, ShapeError, statusOf, text } from './common';

/** True when a parsed line (or the first element of a batch) looks like this shape. */
export function isGatewayLog(v: Record<string, unknown>): boolean {
  return isObject(v.request) && isObject(v.response) && ('headers' in v.request || 'method' in v.request);
}

/** Kong's own fields, which APISIX's lines do not have. */
export function isKong(v: Record<string, unknown>): boolean {
  return 'upstream_uri' in v || 'latencies' in v || 'started_at' in v;
}

function one(v: unknown, entry: number): Exchange {
  if (!isObject(v) || !isObject(v.request)) throw new ShapeError('"request" must be an object');
  const req = v.request;
  const res = isObject(v.response) ? v.response : {};
  let requestHeaders = headersOf(req.headers, 'request.headers');
  let url = text(req.url) ?? text(req.uri);
  let scheme: 'http' | 'https' | undefined;
  const service = isObject(v.service) ? v.service : undefined;
  const upstreamUri = text(v.upstream_uri);
  const serviceHost = text(service?.host);
  if (service && serviceHost !== undefined && upstreamUri !== undefined) {
    scheme = schemeOf(service.protocol);
    const port = text(service.port);
    const defaultPort = scheme === 'https' ? '443' : '80';
    url = `${scheme ?? 'http'}://${serviceHost}${port && port !== defaultPort ? `:${port}` : ''}${upstreamUri}`;
    const preserve = isObject(v.route) && v.route.preserve_host === true;
    if (!preserve) requestHeaders = requestHeaders.filter(([n]) => n.toLowerCase() !== 'host');
  }
  const started = typeof v.started_at === 'number' ? v.started_at : v.start_time;
  const e = exchangeOf(
    {
      method: req.method,
      url,
      requestHeaders,
      status: statusOf(res.status, 'response.status'),
      responseHeaders: headersOf(res.headers, 'response.headers'),
      scheme,
    },
    entry,
    { method: 'request.method', url: 'request.url' },
  );
  if (typeof started === 'number' && Number.isFinite(started)) {
    e.startedDateTime = new Date(started).toISOString();
  }
  return e;
}

function toExchanges(v: unknown, entry: number): Exchange[] {
  if (!Array.isArray(v)) return [one(v, entry)];
  return v.map((item, i) => {
    try {
      return one(item, entry);
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`[${i}]: ${e.message}`);
      throw e;
    }
  });
}

const SHAPE =
  '{"request": {"method": string, "url": string, "headers": {name: value}}, "response": {"status": number, "headers": {…}}}';

/** Kong's http-log / file-log lines. */
export const KONG: RecordShape = { toExchanges, shape: `${SHAPE} (Kong log serializer)` };

/** APISIX's http-logger / file-logger lines, or batches as arrays. */
export const APISIX: RecordShape = { toExchanges, shape: `${SHAPE} or an array of them (APISIX loggers)` };
