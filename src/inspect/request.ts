/**
 * The per-request half of checking one recorded or proxied exchange: find the operation, gather the SSE
 * settings wherever the operation carries them, and run the engine on them.
 */
import type { Diagnostic, Dialect, Operation, Scheme } from '../types';
import type { PostData } from '../traffic/exchange';
import { classify, type Addressing, type Classification } from '../traffic/classify';
import { formFields } from '../traffic/form';
import { presignedSseParams } from '../traffic/presigned';
import { fingerprintFromHeaders, type Fingerprint } from '../traffic/upload-id';
import type { HarKeyCheck } from '../har/types';
import { keyCheckDiagnostics } from './key-facts';
import { Role } from '../engine/name-cache';
import { catalogueNames, type CatalogueNames, type SseMethod } from './names';
import { splitHeaders } from './headers';
import { checkerFor, checkUrlWith, report, validateWith, withUrlChecks, type InspectOptions } from './report';
import { withoutHiddenKeyContent } from './redacted';

/** Header pairs as recorded or received; repeated headers are repeated pairs. */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** One request, as a recording or a proxy has it. */
export interface RequestInput {
  method: string;
  /** Absolute (`https://host/path?query`) or origin-form (`/path?query`, host from the `Host` header). */
  url: string;
  headers: HeaderList;
  /** The recorded body of a form post: PostObject's SSE settings are form fields. */
  postData?: PostData;
  /** How the bucket is addressed; default `auto` (OBS host names are virtual-hosted). */
  addressing?: Addressing;
  /** Endpoints whose sub-domains are virtual-hosted buckets under `auto` (see `classify`). */
  endpoints?: readonly string[];
  /** Take the host from `Host`/`:authority` over the URL's (recordings of reverse proxies). */
  authorityFromHeaders?: boolean;
  /** The engine's dialect option; default `auto`. */
  dialect?: Dialect | 'auto';
  /**
   * The transport of the hop to OBS when the URL does not say or says something else (a proxy that
   * receives plain HTTP and forwards over HTTPS knows better than the request line).
   */
  schemeOverride?: Scheme;
  /**
   * What a recorder concluded about customer keys it redacted (a proxy HAR's `_obsSse`): reported as the
   * engine would have, in place of the key-content findings a redacted key cannot give.
   */
  keyChecks?: readonly HarKeyCheck[];
}

/** What a request asked for, as the response and session checks need it; never key material. */
export interface RequestedSse {
  /** The method requested, when exactly one valid method was named. */
  method?: SseMethod;
  /** How the request named it: the method header's value, or the customer algorithm for SSE-C. */
  methodValue?: string;
  /** The target SSE-C algorithm and key MD5 (not the copy source's); absent without SSE-C headers. */
  customer?: Fingerprint;
}

/** The outcome of {@link inspectRequest}. */
export interface RequestInspection {
  classification: Classification;
  /** The checked operation; absent when the request was skipped (see `classification.reason`). */
  operation?: Operation;
  /** The transport the checks assumed; absent when unknown (transport rules then do not apply). */
  scheme?: Scheme;
  /** The dialect the engine read the request in. */
  dialect?: Dialect;
  /** The dialect option the request was read with, for reading its response the same way. */
  dialectOption: Dialect | 'auto';
  /** Possibly shared with other inspections (see `InspectOptions.cache`): read, do not modify. */
  diagnostics: readonly Diagnostic[];
  sse: RequestedSse;
}

const CAMEL_OPERATION = /([A-Z][a-z]+(?:[A-Z][a-z]*)+)\)?$/;

/** A readable name for a skipped request's operation: `DeleteObject` from `DELETE: DeleteObject`. */
function skippedName(detail: string): string {
  return CAMEL_OPERATION.exec(detail)?.[1] ?? detail;
}

/** The lower-case names of the pairs that look like SSE headers (the engine's own `sseLikePattern`). */
function sseLike(pairs: HeaderList, names: CatalogueNames): string[] {
  const out: string[] = [];
  for (const [name] of pairs) {
    const { lower, role } = names.cache.get(name);
    if (role === Role.Sse && !out.includes(lower)) out.push(lower);
  }
  return out;
}

function summarize(pairs: HeaderList, names: CatalogueNames): RequestedSse {
  const sse: RequestedSse = {};
  let methodValue: string | undefined;
  let conflicting = false;
  for (const [name, value] of pairs) {
    // Only x-obs-/x-amz- names can be SSE headers; most recorded headers stop at this test.
    const c = name.charCodeAt(0);
    if ((c !== 120 && c !== 88) || name.charCodeAt(5) !== 45) continue;
    if (names.cache.get(name).id === 'sse') {
      if (methodValue !== undefined && methodValue !== value) conflicting = true;
      methodValue = value;
    }
  }
  const customer = fingerprintFromHeaders(pairs);
  if (customer) sse.customer = customer;
  if (!conflicting) {
    if (customer?.algorithm !== undefined) {
      if (methodValue === undefined) {
        sse.method = 'SSE-C';
        sse.methodValue = customer.algorithm;
      }
    } else if (methodValue !== undefined) {
      const m = names.methodOf(methodValue);
      if (m) {
        sse.method = m;
        sse.methodValue = methodValue.trim();
      }
    }
  }
  return sse;
}

// Pre-signed SSE parameters are named x-obs-…/x-amz-… (possibly percent-encoded); most URLs have none.
const PRESIGNED_HINT = /x(?:-|%2d)(?:obs|amz)(?:-|%2d)/i;

/**
 * The SSE errors of a request the classifier could not map to an operation (a non-canonical path such
 * as `//bucket/key`, an unknown method, a sub-resource): its SSE headers are judged under every
 * operation of the tables, and when each one finds an error, the errors of the operation that finds
 * the fewest become `operation/invalid-sse` on their headers. A guard then refuses what no SSE
 * operation would accept, whatever OBS makes of the request, instead of forwarding it with a warning.
 */
function invalidEverywhere(
  pairs: HeaderList,
  scheme: Scheme | undefined,
  dialect: Dialect | 'auto',
  options: InspectOptions | undefined,
  operationName: string,
): Diagnostic[] {
  if (pairs.length === 0) return [];
  const checker = checkerFor(options);
  let best: Diagnostic[] | undefined;
  for (const op of checker.rules.operations) {
    const v = validateWith(options, op.id, 'request', pairs, scheme, dialect);
    const kept = withoutHiddenKeyContent(v.diagnostics, pairs, checker, options?.redactionMarkers);
    const errors = kept.filter((d) => d.severity === 'error');
    if (errors.length === 0) return [];
    if (best === undefined || errors.length < best.length) best = errors;
  }
  const byHeader = new Map<string, string[]>();
  for (const d of best ?? []) {
    const codes = byHeader.get(d.header ?? '') ?? [];
    if (!codes.includes(d.code)) codes.push(d.code);
    byHeader.set(d.header ?? '', codes);
  }
  const out: Diagnostic[] = [];
  for (const [header, codes] of byHeader) {
    const d = report(
      'operation/invalid-sse',
      {
        header: header === '' ? undefined : header,
        operationName,
        direction: 'request',
        received: codes.join(', '),
      },
      options,
    );
    if (d) out.push(d);
  }
  return out;
}

/**
 * Checks one request: classifies it (src/traffic/classify), gathers its SSE settings from the headers,
 * from pre-signed query parameters, or for PostObject from the form fields, and runs the engine with
 * the URL's scheme for the transport rules. A request outside the SSE tables that still carries SSE
 * headers gets an `operation/unlisted-sse` warning per header. Keys replaced by a redaction marker count as
 * present with unknown content.
 */
export function inspectRequest(input: RequestInput, options?: InspectOptions): RequestInspection {
  const checker = checkerFor(options);
  const names = catalogueNames(checker);
  const split = splitHeaders(input.headers, names.cache);
  const classification = classify({
    method: input.method,
    url: input.url,
    headers: split.routing,
    addressing: input.addressing ?? 'auto',
    endpoints: input.endpoints,
    authorityFromHeaders: input.authorityFromHeaders,
  });
  const dialectOption = input.dialect ?? 'auto';
  const scheme = input.schemeOverride ?? classification.scheme;
  let pairs: HeaderList;
  if (classification.kind === 'operation' && classification.operation === 'PostObject') {
    pairs = formFields(input.postData, input.headers);
  } else {
    // A path that merely contains the hint costs one needless parse; testing the whole URL saves a copy.
    const query =
      input.url.includes('?') && PRESIGNED_HINT.test(input.url) ? presignedSseParams(input.url) : [];
    pairs = query.length === 0 ? split.sse : [...split.sse, ...query];
  }
  const result: RequestInspection = { classification, dialectOption, diagnostics: [], sse: {} };
  if (scheme) result.scheme = scheme;

  if (classification.kind === 'skipped') {
    const warnings: Diagnostic[] = checkUrlWith(options, input.url);
    for (const header of sseLike(pairs, names)) {
      const d = report(
        'operation/unlisted-sse',
        { header, operationName: skippedName(classification.detail), direction: 'request' },
        options,
      );
      if (d) warnings.push(d);
    }
    const invalid = invalidEverywhere(
      pairs,
      scheme,
      dialectOption,
      options,
      skippedName(classification.detail),
    );
    result.diagnostics = invalid.length === 0 ? warnings : [...invalid, ...warnings];
    return result;
  }

  const operation = classification.operation;
  result.operation = operation;
  const v = withUrlChecks(
    options,
    operation,
    input.url,
    validateWith(options, operation, 'request', pairs, scheme, dialectOption, classification.position),
  );
  result.dialect = v.dialect;
  if (pairs.length === 0) {
    result.diagnostics = v.diagnostics;
    return result;
  }
  result.sse = summarize(pairs, names);
  result.diagnostics = withoutHiddenKeyContent(v.diagnostics, pairs, checker, options?.redactionMarkers);
  if (input.keyChecks) {
    const recorded = keyCheckDiagnostics(
      pairs,
      input.keyChecks,
      checker,
      (p) => validateWith(options, operation, 'request', p, scheme, dialectOption).diagnostics,
    );
    if (recorded.length > 0) result.diagnostics = [...result.diagnostics, ...recorded];
  }
  return result;
}
