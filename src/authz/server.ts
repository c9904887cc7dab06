/**
 * `obs-sse authz`: a forward-auth decision server, the guard as a thin adapter inside a gateway that
 * already streams the bodies (nginx `auth_request`, Envoy `ext_authz`, Traefik `ForwardAuth`, Caddy
 * `forward_auth`; configurations in docs/gateways/). Per check request it reads the original request
 * (gateway.ts), runs it through the guard core (src/guard/core.ts: fail closed, one log line per
 * decision) and answers:
 *
 * - `200` to allow (in report mode always, the would-be refusal logged);
 * - the deny status (403 by default: nginx's `auth_request` takes nothing else) with the proxy's OBS
 *   XML body (`InvalidArgument`, the codes in its message), and the same document in the
 *   `X-Obs-Sse-Error` header for gateways that cannot relay an auth response's body (nginx).
 *
 * What a headers-only decision cannot see, and what it does instead (docs/gateways/README.md):
 * - PostObject's form fields are in the body: the verdict is `form/unchecked`, a warning unless
 *   `refusePostObject` makes it an error.
 * - Responses never pass through: no response checks, and no InitiateMultipartUpload response with its
 *   upload id. An allowed initiate is recorded by bucket and key as if it had succeeded, and the first
 *   part naming an upload id of that object binds the id to it (the guard's fallback for initiates
 *   without a body); later parts are checked against that. Complete and Abort are not seen succeed,
 *   so sessions end by TTL.
 *
 * A check request that carries a body is read and discarded (and counted in `stats().bodyBytes`):
 * the gateway configs never send one.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

import type { GuardRequest, UpstreamScheme } from '../guard/contract';
import { createGuardCore, type GuardCoreOptions, type GuardExchange } from '../guard/core';
import { roundMs, safeLog } from '../guard/log';
import { newRequestId, obsErrorHeaders, obsErrorXml, type ObsErrorDocument } from '../proxy/errors';
import type { FormScan } from '../traffic/form';
import { GatewayRequestError, readOriginal, type GatewayConvention } from './gateway';

/** Options of {@link createAuthzServer}. */
export interface AuthzOptions extends GuardCoreOptions {
  /** The scheme of the gateway's hop to OBS: the `transport/*` rules judge that hop. */
  upstreamScheme: UpstreamScheme;
  /** Default `auto` (see gateway.ts). */
  gateway?: GatewayConvention;
  /** Envoy's `path_prefix`, removed from the check request's path. Default none. */
  pathPrefix?: string;
  /** The status of a refusal: 403 (default; nginx `auth_request` needs 401 or 403) or 400 as the proxy. */
  denyStatus?: 400 | 403;
  /** Make `form/unchecked` (PostObject, whose SSE fields authz cannot see) an error. Default false. */
  refusePostObject?: boolean;
  /** How long an idle gateway connection is kept. Default 75 000 (above nginx's 60 s keepalive_timeout). */
  keepAliveTimeout?: number;
}

/** Counters for health checks and tests. */
export interface AuthzStats {
  decisions: number;
  allowed: number;
  refused: number;
  /** Body bytes that reached authz: 0 with the shipped gateway configs. */
  bodyBytes: number;
}

/** A running (or not yet listening) authz server. */
export interface AuthzServer {
  server: http.Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
  stats(): AuthzStats;
}

/** Why a PostObject is unchecked here: the forward-auth request has no body. */
const NO_BODY: FormScan = { fields: [], unread: 'absent' };
const ALLOW_HEADERS = ['Content-Length', '0'];
const REFUSED = 'InvalidArgument';

/** The XML document as a header value: characters outside printable ASCII as numeric references. */
function headerSafe(xml: string): string {
  return xml.replace(/[^\x20-\x7e]/g, (c) => `&#${c.codePointAt(0) ?? 63};`);
}

/** Creates the authz server. Nothing listens until `listen`. */
export function createAuthzServer(options: AuthzOptions): AuthzServer {
  const scheme = options.upstreamScheme;
  if (scheme !== 'http' && scheme !== 'https') {
    throw new TypeError(`upstreamScheme must be 'http' or 'https', got '${String(scheme)}'`);
  }
  const severity = {
    'form/unchecked': options.refusePostObject ? 'error' : 'warning',
    ...options.severity,
  } as const;
  const core = createGuardCore({ ...options, severity });
  const convention = options.gateway ?? 'auto';
  const pathPrefix = options.pathPrefix ?? '';
  const denyStatus = options.denyStatus ?? 403;
  const stats: AuthzStats = { decisions: 0, allowed: 0, refused: 0, bodyBytes: 0 };
  const server = http.createServer({ noDelay: true, keepAlive: true });
  server.keepAliveTimeout = options.keepAliveTimeout ?? 75_000;

  function refuse(res: http.ServerResponse, doc: ObsErrorDocument): void {
    stats.refused += 1;
    res.writeHead(denyStatus, [
      ...obsErrorHeaders(doc, doc.code === REFUSED),
      'X-Obs-Sse-Error',
      headerSafe(doc.body),
    ]);
    res.end(doc.body);
  }

  function allow(res: http.ServerResponse, codes: readonly string[]): void {
    stats.allowed += 1;
    if (codes.length === 0) res.writeHead(200, ALLOW_HEADERS);
    else res.writeHead(200, [...ALLOW_HEADERS, 'x-obs-sse-codes', codes.join(', ')]);
    res.end();
  }

  /**
   * Records an allowed InitiateMultipartUpload as if it succeeded: authz never sees its response. The
   * guard is called directly, not through {@link GuardExchange.response}: a presumed response has no
   * findings worth logging.
   */
  function presumeInitiated(ex: GuardExchange): void {
    const { request, verdict } = ex;
    if (verdict.operation !== 'InitiateMultipartUpload' || ex.refused) return;
    const presumed = { status: 200, headers: [] };
    try {
      if (core.guard.checkResponse(request, presumed, verdict).wantBody) {
        core.guard.observeResponseBody?.(request, presumed, undefined, verdict);
      }
    } catch (err) {
      const error = err instanceof Error ? err.name : typeof err; // a message could quote a value
      safeLog(core.log, { event: 'guard_error', phase: 'initiate', time: new Date().toISOString(), error });
    }
  }

  function decide(res: http.ServerResponse, greq: GuardRequest, t0: number, startedAt: number): void {
    const ex = core.judge(greq, t0);
    if (ex.needsForm) ex.judgeForm(NO_BODY);
    presumeInitiated(ex);
    if (ex.refused) {
      const refusal = ex.refusal('obs-sse authz');
      refuse(res, obsErrorXml(refusal.code, refusal.message, newRequestId()));
    } else {
      allow(res, ex.verdict.codes);
    }
    // The whole decision is what authz adds to the gateway's exchange.
    ex.finish({ status: res.statusCode, addedMs: roundMs(performance.now() - t0), startedAt });
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const t0 = performance.now();
    const startedAt = Date.now();
    stats.decisions += 1;
    // The shipped configs send no body; anything that arrives anyway is counted and dropped.
    if (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') {
      req.on('data', (c: Buffer) => (stats.bodyBytes += c.length));
    } else if (req.headers['transfer-encoding'] !== undefined) {
      req.on('data', (c: Buffer) => (stats.bodyBytes += c.length));
    }
    req.resume();
    let greq: GuardRequest;
    try {
      const o = readOriginal(req.method ?? 'GET', req.url ?? '/', req.rawHeaders, convention, pathPrefix);
      greq = { method: o.method, url: o.url, headers: o.headers, upstreamScheme: scheme };
    } catch (err) {
      if (!(err instanceof GatewayRequestError)) throw err;
      safeLog(core.log, {
        event: 'authz_bad_request',
        time: new Date().toISOString(),
        error: err.message,
        mode: core.mode,
      });
      // Fail closed on a gateway that does not say what it is asking about (report mode still allows).
      if (core.mode === 'report') allow(res, []);
      else
        refuse(
          res,
          obsErrorXml('InvalidRequest', `obs-sse authz could not read the original request: ${err.message}`),
        );
      return;
    }
    const ready = core.prepare(greq);
    if (ready === undefined) decide(res, greq, t0, startedAt);
    else void ready.then(() => !res.destroyed && decide(res, greq, t0, startedAt));
  });

  return {
    server,
    listen(port: number, host?: string): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
    stats: () => ({ ...stats }),
  };
}
