/**
 * How each gateway tells a forward-auth server about the request it is deciding on. The body never
 * comes along; the method, target and Host do, each gateway in its own way:
 *
 * | gateway                                   | method              | target                 | host               |
 * |-------------------------------------------|---------------------|------------------------|--------------------|
 * | nginx `auth_request` (docs/gateways/nginx) | `X-Original-Method` | `X-Original-URI`       | `X-Original-Host`, else Host |
 * | Traefik `ForwardAuth`, Caddy `forward_auth` | `X-Forwarded-Method` | `X-Forwarded-Uri`     | `X-Forwarded-Host`, else Host |
 * | Envoy `ext_authz` (HTTP service)           | the check request's | its path, less `path_prefix` | Host (`:authority`) |
 *
 * Every other header of the check request is the original request's (nginx and Caddy copy them all,
 * Traefik too, Envoy those its `allowed_headers` match), so the guard reads them as sent. The
 * convention's own headers and hop-by-hop fields are left out.
 */
import { HOP_BY_HOP } from '../guard/headers';
import type { HeaderPairs } from '../guard/contract';

/** Which convention to read; `auto` picks nginx's or the X-Forwarded-* one by the headers present, else Envoy's. */
export type GatewayConvention = 'auto' | 'nginx' | 'forwarded' | 'envoy';

/** The original request as the gateway described it. */
export interface OriginalRequest {
  method: string;
  /** Origin-form target: path and query. */
  url: string;
  /** The original headers, Host set to the original authority. */
  headers: HeaderPairs;
  convention: Exclude<GatewayConvention, 'auto'>;
}

// Lower-cased names that describe the check request or its hop, never the original request.
const HOP: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'content-length',
  'x-original-method',
  'x-original-uri',
  'x-original-host',
  'x-forwarded-method',
  'x-forwarded-uri',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-for',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-real-ip',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-internal',
  'x-request-id',
]);

const METHOD = /^[A-Z][A-Z-]{0,19}$/;

/** Why a check request could not be read: the gateway is not configured as docs/gateways/ says. */
export class GatewayRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayRequestError';
  }
}

/**
 * Reads the original request out of a forward-auth check request (`rawHeaders` in node's flat form).
 * Throws {@link GatewayRequestError} naming the header that is missing or malformed.
 */
export function readOriginal(
  checkMethod: string,
  checkUrl: string,
  rawHeaders: readonly string[],
  convention: GatewayConvention,
  pathPrefix = '',
): OriginalRequest {
  let oMethod: string | undefined;
  let oUri: string | undefined;
  let oHost: string | undefined;
  let fMethod: string | undefined;
  let fUri: string | undefined;
  let fHost: string | undefined;
  let host: string | undefined;
  const headers: HeaderPairs = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const n = name.toLowerCase();
    if (n === 'host') host ??= value;
    else if (n === 'x-original-method') oMethod ??= value;
    else if (n === 'x-original-uri') oUri ??= value;
    else if (n === 'x-original-host') oHost ??= value;
    else if (n === 'x-forwarded-method') fMethod ??= value;
    else if (n === 'x-forwarded-uri') fUri ??= value;
    else if (n === 'x-forwarded-host') fHost ??= value;
    else if (!HOP.has(n)) headers.push([name, value]);
  }
  const used: Exclude<GatewayConvention, 'auto'> =
    convention !== 'auto'
      ? convention
      : oUri !== undefined
        ? 'nginx'
        : fUri !== undefined
          ? 'forwarded'
          : 'envoy';
  let method: string | undefined;
  let url: string | undefined;
  let authority: string | undefined;
  if (used === 'nginx') {
    [method, url, authority] = [oMethod, oUri, oHost ?? host];
    if (method === undefined) throw new GatewayRequestError('X-Original-Method is missing');
    if (url === undefined) throw new GatewayRequestError('X-Original-URI is missing');
  } else if (used === 'forwarded') {
    [method, url, authority] = [fMethod, fUri, fHost ?? host];
    if (method === undefined) throw new GatewayRequestError('X-Forwarded-Method is missing');
    if (url === undefined) throw new GatewayRequestError('X-Forwarded-Uri is missing');
  } else {
    method = checkMethod;
    if (!checkUrl.startsWith(pathPrefix)) {
      throw new GatewayRequestError(`the check request's path does not start with ${pathPrefix}`);
    }
    url = checkUrl.slice(pathPrefix.length);
    authority = host;
  }
  if (!METHOD.test(method)) throw new GatewayRequestError('the original method is malformed');
  if (url === '' || (!url.startsWith('/') && url !== '*')) {
    throw new GatewayRequestError('the original request-target is not origin-form (/path?query)');
  }
  if (authority !== undefined) headers.unshift(['Host', authority]);
  return { method, url, headers, convention: used };
}
