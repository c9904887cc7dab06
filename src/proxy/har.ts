/**
 * `--har`: each proxied exchange as a HAR entry describing the hop to OBS, so that `obs-sse lint`
 * judges the recording as the proxy judged the live request (same URL, scheme and Host). Redaction is
 * the HAR writer's (src/redact.ts); nothing here copies a value anywhere else. What the checks of a
 * customer key concluded rides along as `_obsSse` (src/inspect/key-facts.ts), so lint keeps those findings.
 */
import type { HarExchange } from '../har/writer';
import { keyChecksOf } from '../inspect/key-facts';
import { checkerFor } from '../inspect/report';
import { headerValue, stripHopByHop, toFlat } from './headers';
import type { HeaderPairs, ProxyExchange } from './types';

function hostOfUrl(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  return m?.[1];
}

/** The request head as it went (or would have gone) upstream: hop-by-hop fields dropped, Host replaced. */
function upstreamRequestHeaders(exchange: ProxyExchange): HeaderPairs {
  const host = hostOfUrl(exchange.upstreamUrl);
  const pairs = stripHopByHop(toFlat(exchange.requestHeaders));
  if (host === undefined) return pairs;
  const out: HeaderPairs = [];
  let placed = false;
  for (const pair of pairs) {
    if (pair[0].toLowerCase() === 'host') {
      if (!placed) out.push([pair[0], host]);
      placed = true;
    } else out.push(pair);
  }
  if (!placed) out.unshift(['Host', host]);
  return out;
}

/**
 * A proxy exchange as a {@link HarExchange}: the URL is the upstream URL, so its scheme is the one the
 * transport rules were judged on. Blocked requests are recorded too, with the proxy's 400 answer and a
 * comment naming the codes: a recording of what was attempted is what `obs-sse lint` should see.
 */
export function toHarExchange(exchange: ProxyExchange): HarExchange {
  const har: HarExchange = {
    startedDateTime: exchange.startedAt,
    method: exchange.method,
    url: exchange.upstreamUrl,
    requestHeaders: upstreamRequestHeaders(exchange),
    status: exchange.status ?? 0,
    responseHeaders: exchange.responseHeaders,
    timings: {
      send: exchange.timings.send,
      wait: exchange.timings.wait,
      receive: exchange.timings.receive,
    },
  };
  if (exchange.requestBodyBytes > 0 || exchange.formFields !== undefined) {
    har.requestBody = {
      mimeType: headerValue(exchange.requestHeaders, 'content-type') ?? 'application/octet-stream',
      size: exchange.requestBodyBytes,
    };
    // PostObject's SSE settings are these fields; the HAR writer redacts the secret ones.
    if (exchange.formFields !== undefined) {
      har.requestBody.params = exchange.formFields.map(([name, value]) => ({ name, value }));
    }
  }
  // The HAR redacts customer keys; what the key checks concluded goes alongside (never the key).
  const keyChecks = keyChecksOf(
    exchange.formFields ? [...exchange.requestHeaders, ...exchange.formFields] : exchange.requestHeaders,
    checkerFor(undefined),
  );
  if (keyChecks.length > 0) har.obsSse = { keyChecks };
  if (exchange.responseBodyBytes > 0) har.responseBodySize = exchange.responseBodyBytes;
  if (exchange.responseText !== undefined) har.responseBodyText = exchange.responseText;
  const notes: string[] = [];
  if (exchange.verdict === 'blocked') notes.push(`blocked by obs-sse proxy: ${exchange.codes.join(', ')}`);
  else if (exchange.verdict === 'reported')
    notes.push(`reported by obs-sse proxy: ${exchange.codes.join(', ')}`);
  if (exchange.error !== undefined) notes.push(`error: ${exchange.error}`);
  if (notes.length > 0) har.comment = notes.join('; ');
  return har;
}
