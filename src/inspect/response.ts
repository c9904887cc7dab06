/**
 * The per-response half: the engine's response tables, and whether the response echoes what the
 * request asked for (reference page, cross-header fact 8).
 */
import type { Diagnostic } from '../types';
import { catalogueNames, type SseMethod } from './names';
import { splitHeaders } from './headers';
import { checkerFor, report, validateWith, type InspectOptions } from './report';
import type { HeaderList, RequestInspection } from './request';

const NONE: readonly Diagnostic[] = Object.freeze([]);

/** The status and headers of a response. */
export interface ResponseInput {
  status: number;
  headers: HeaderList;
}

/**
 * Checks the response to an inspected request. Only successful (2xx) responses of checked operations
 * are read: an error response describes no object. Besides the engine's response rules (with the
 * request's scheme, for the transport rules that only the response can trigger), a response that names
 * another SSE method than the request asked for yields `response/method-mismatch`, and one that echoes
 * another SSE-C key MD5 yields `response/md5-mismatch`. A response that names no method is not
 * compared: not every response echoes, and absence proves nothing.
 */
export function inspectResponse(
  request: RequestInspection,
  response: ResponseInput,
  options?: InspectOptions,
): readonly Diagnostic[] {
  const operation = request.operation;
  if (operation === undefined || response.status < 200 || response.status > 299) return NONE;
  const names = catalogueNames(checkerFor(options));
  const { sse } = splitHeaders(response.headers, names.cache);
  const base = validateWith(
    options,
    operation,
    'response',
    sse,
    request.scheme,
    request.dialectOption,
  ).diagnostics;
  if (sse.length === 0) return base;
  const echoes: Diagnostic[] = [];

  let methodHeader: string | undefined;
  let methodValue: string | undefined;
  let algHeader: string | undefined;
  let md5Header: string | undefined;
  let md5Value: string | undefined;
  for (const [sent, value] of sse) {
    // Diagnostics name headers in lower case, as sent otherwise.
    const { lower: name, id } = names.cache.get(sent);
    if (id === 'sse') [methodHeader, methodValue] = [name, value.trim()];
    else if (id === 'cAlg') algHeader = name;
    else if (id === 'cMd5') [md5Header, md5Value] = [name, value.trim()];
  }

  const asked = request.sse;
  let answered: SseMethod | undefined;
  let answeredHeader: string | undefined;
  let answeredValue: string | undefined;
  if (algHeader !== undefined && methodHeader === undefined) {
    [answered, answeredHeader, answeredValue] = ['SSE-C', algHeader, 'SSE-C'];
  } else if (methodHeader !== undefined && algHeader === undefined && methodValue !== undefined) {
    [answered, answeredHeader, answeredValue] = [names.methodOf(methodValue), methodHeader, methodValue];
  }
  if (asked.method && answered && answered !== asked.method) {
    const d = report(
      'response/method-mismatch',
      {
        header: answeredHeader,
        operation,
        direction: 'response',
        received: answeredValue,
        expected: [asked.method === 'SSE-C' ? 'SSE-C' : (asked.methodValue ?? asked.method)],
      },
      options,
    );
    if (d) echoes.push(d);
  }
  const sentMd5 = asked.customer?.keyMd5?.trim();
  if (sentMd5 !== undefined && md5Value !== undefined && md5Value !== sentMd5) {
    // Key MD5s are fingerprints, not keys (src/redact.ts leaves them visible), so both may be shown.
    const d = report(
      'response/md5-mismatch',
      { header: md5Header, operation, direction: 'response', received: md5Value, expected: [sentMd5] },
      options,
    );
    if (d) echoes.push(d);
  }
  return echoes.length === 0 ? base : [...base, ...echoes];
}
