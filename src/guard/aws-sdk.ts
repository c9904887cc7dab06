/**
 * The guard inside the AWS SDK for JavaScript v3: `client.middlewareStack.use(obsSsePlugin({ mode }))`.
 * A thin adapter: it turns the SDK's serialised request into a {@link GuardRequest}, lets the shared
 * guard core judge it (src/guard/core.ts), and turns the verdict back into the SDK's terms (a thrown
 * {@link ObsSseGuardError}, or the request passed on). `@aws-sdk/client-s3` is an optional peer
 * dependency: the SDK's shapes are described structurally here, so nothing of it is imported.
 */
import { performance } from 'node:perf_hooks';

import type { GuardRequest, UpstreamScheme } from './contract';
import { createGuardCore, type GuardCoreOptions, type GuardExchange } from './core';
import { headerPairs } from './headers';
import { roundMs } from './log';

/** The parts of the SDK's `HttpRequest` (@smithy/protocol-http) the plugin reads. */
export interface SdkHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | Array<string | null> | null>;
  headers: Record<string, string>;
}

/** The parts of the SDK's `HttpResponse` the plugin reads. */
interface SdkHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
}

type Handler = (args: { request: unknown }) => Promise<{ response: unknown; output?: unknown }>;
type Middleware = (next: Handler, context: unknown) => Handler;

/**
 * The part of the SDK's `MiddlewareStack` the plugin uses. The middleware parameter is typed `never` so
 * that every client's stack, whatever its input and output types, is accepted without naming the SDK's types.
 */
export interface SdkMiddlewareStack {
  addRelativeTo(
    middleware: never,
    options: { relation: 'before'; toMiddleware: string; name: string; override: boolean; tags: string[] },
  ): void;
}

/** What `client.middlewareStack.use()` takes (the SDK's `Pluggable`). */
export interface ObsSsePlugin {
  applyToStack(stack: SdkMiddlewareStack): void;
}

/** Options of {@link obsSsePlugin}: the hooks' options (`mode`, `log`, `guard`, `addressing`, ...). */
export type ObsSsePluginOptions = GuardCoreOptions;

/** The name the plugin's middleware has in the stack, e.g. for `client.middlewareStack.remove()`. */
export const OBS_SSE_MIDDLEWARE = 'obsSseGuardMiddleware';

function isHttpRequest(x: unknown): x is SdkHttpRequest {
  const r = x as Partial<SdkHttpRequest> | null;
  return typeof r === 'object' && r !== null && typeof r.method === 'string' && typeof r.path === 'string';
}

/** The origin-form target: the path and the query the SDK will send, encoded as it encodes them. */
function target(r: SdkHttpRequest): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(r.query ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      parts.push(
        v === null || v === undefined
          ? encodeURIComponent(name)
          : `${encodeURIComponent(name)}=${encodeURIComponent(v)}`,
      );
    }
  }
  return parts.length > 0 ? `${r.path}?${parts.join('&')}` : r.path;
}

/** The request as the guard sees it; the host header is added when the SDK has not set it yet. */
export function guardRequestOf(r: SdkHttpRequest): GuardRequest {
  const headers = headerPairs(r.headers);
  const authority = r.port ? `${r.hostname}:${r.port}` : r.hostname;
  if (!headers.some(([n]) => n.toLowerCase() === 'host')) headers.push(['host', authority]);
  const scheme: UpstreamScheme = r.protocol.replace(/:$/, '') === 'https' ? 'https' : 'http';
  return { method: r.method, url: target(r), headers, upstreamScheme: scheme };
}

/** The upload id of a CreateMultipartUpload output, in the XML shape the guard reads it from. */
function uploadIdXml(output: unknown): string | undefined {
  const id = (output as { UploadId?: unknown } | undefined)?.UploadId;
  if (typeof id !== 'string' || id === '') return undefined;
  const text = id.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<InitiateMultipartUploadResult><UploadId>${text}</UploadId></InitiateMultipartUploadResult>`;
}

function statusOf(response: unknown): SdkHttpResponse | undefined {
  const r = response as Partial<SdkHttpResponse> | undefined;
  return r && typeof r.statusCode === 'number'
    ? { statusCode: r.statusCode, headers: r.headers ?? {} }
    : undefined;
}

/**
 * Judges the response head (logged only), and hands a successful initiate's upload id to the sessions; the
 * SDK has parsed and consumed the body by now, so its parsed upload id stands in for the XML.
 */
function observe(ex: GuardExchange, response: unknown, output: unknown): number | null {
  const res = statusOf(response);
  if (!res) return null;
  ex.response(res.statusCode, headerPairs(res.headers));
  ex.responseBody(uploadIdXml(output));
  return res.statusCode;
}

/**
 * A plugin for the AWS SDK for JavaScript v3 S3Client that runs the proxy's checks on every request,
 * after it is serialised (headers and query as they will be sent, SSE-C MD5 computed by the SDK) and
 * before it is signed: a `finalizeRequest` middleware placed before the SDK's retry middleware, so it runs
 * once per call, ahead of retries and signing.
 *
 * - enforce (default): a request with SSE header errors rejects with an {@link ObsSseGuardError} (use
 *   `guardErrorOf`) and nothing is sent. A guard that throws does the same (code `guard/check-failed`).
 * - report: the request goes out and the verdict is logged.
 *
 * One log line per call, in the proxy's shape. Response headers are checked and only logged; a
 * CreateMultipartUpload's upload id is remembered, so later parts are held to its SSE-C key: with a shared
 * session store (`store`/`pending` from openSessionStores), also parts that another process initiated.
 */
export function obsSsePlugin(options: ObsSsePluginOptions = {}): ObsSsePlugin {
  const core = createGuardCore(options);
  const middleware: Middleware = (next) => async (args) => {
    if (!isHttpRequest(args.request)) return next(args);
    const t0 = performance.now();
    const r = args.request;
    const req = guardRequestOf(r);
    // A guard with a shared session store may first have to fetch a part's session (never rejects).
    const ready = core.prepare(req);
    if (ready !== undefined) await ready;
    const ex = core.judge(req, t0);
    const url = `${r.protocol.replace(/:$/, '')}://${req.headers.find(([n]) => n.toLowerCase() === 'host')![1]}${req.url}`;
    if (ex.refused) {
      ex.finish({ status: null, url });
      throw ex.error(url);
    }
    const tSent = performance.now();
    const upstreamMs = (): number => roundMs(performance.now() - tSent);
    let result: Awaited<ReturnType<Handler>>;
    try {
      result = await next(args);
    } catch (err) {
      // A service error still carries the response: its status is logged, its head judged.
      const status = observe(ex, (err as { $response?: unknown }).$response, undefined);
      ex.finish({
        status,
        url,
        upstreamMs: upstreamMs(),
        error: status === null ? String((err as Error).name) : undefined,
      });
      throw err;
    }
    const status = observe(ex, result.response, result.output);
    ex.finish({ status, url, upstreamMs: upstreamMs() });
    return result;
  };
  return {
    applyToStack(stack) {
      // Before the retry middleware, which the signing middleware follows: once per call, before signing.
      stack.addRelativeTo(middleware as never, {
        relation: 'before',
        toMiddleware: 'retryMiddleware',
        name: OBS_SSE_MIDDLEWARE,
        override: true,
        tags: ['OBS_SSE'],
      });
    },
  };
}
