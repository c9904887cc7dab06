/**
 * The stand-in's transport: listening (HTTP or HTTPS), reading each body, error answers, recording and
 * shutdown. What each operation does is in `handlers/`, one module per family, chosen by `router.ts`.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { HarWriter } from '../har/writer';
import { awsChunkedDecoder, isAwsChunked } from './aws-chunked';
import { hexId, HttpError, sha256, type Ctx, type Env, type Reply } from './context';
import { readForm } from './handlers/post-object';
import { harExchangeOf, recordOf, type RecordedExchange } from './record';
import { route } from './router';
import { classify, detectDialect, parseQuery, resolveTarget, type StandinOperation } from './route';
import { newKmsIdentity, prefixOf, readSseRequest, type KmsIdentity } from './sse';
import { digestStream, Store } from './store';
import { xmlError } from './xml';

export type { StandinOperation } from './route';
export type { BodySummary, RecordedExchange } from './record';
export type { SseRequest, CustomerKeyRequest, StoredSse, KmsIdentity } from './sse';
export type { Store, StoredObject } from './store';

/** Options of {@link startStandin}. */
export interface StandinOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Interface to bind; `127.0.0.1` by default. */
  host?: string;
  /** Record every exchange into this HAR file (created or truncated; complete after `close()`). */
  har?: string;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Domains under which `{bucket}.{domain}` is virtual-hosted (real OBS endpoint names always are).
   * Default `['localhost']`; any other host, and every IP address, is path-style.
   */
  domains?: string[];
  /** Objects and parts up to this many bytes are kept so GET can return them; default 1 MiB. */
  retainLimit?: number;
  /** Region in synthesized KMS key ids; default `cn-north-4`. */
  region?: string;
}

/** A running stand-in. */
export interface Standin {
  /** `http(s)://host:port`, the path-style endpoint. */
  url: string;
  port: number;
  host: string;
  /** Every exchange so far, in response order; appended before each response is sent. */
  exchanges: RecordedExchange[];
  /** The stand-in's buckets, objects and uploads, for assertions. */
  store: Store;
  /** The fake region and account used in KMS key ids. */
  kms: KmsIdentity;
  /** Stops listening, drops open connections and completes the HAR file. */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const CONTROL_BODY_LIMIT = MiB;
// Bodies that become objects or parts are kept up to the retain limit; any other is control XML.
const DATA_OPS = new Set<StandinOperation>(['PutObject', 'UploadPart', 'AppendObject']);
const EMPTY_SHA256 = sha256('');

/** The body as stored: aws-chunked bodies (boto3 1.36 and later) decoded, as OBS decodes them. */
function requestBody(req: http.IncomingMessage, header: (name: string) => string | undefined): Readable {
  if (!isAwsChunked(header)) return req;
  return pipeline(req, awsChunkedDecoder(), () => undefined);
}

function baseHeaders(ctx: Ctx): [string, string][] {
  return [
    ['Server', 'OBS'],
    [`${ctx.p}request-id`, ctx.requestId],
    [`${ctx.p}id-2`, `${ctx.requestId}${hexId(8)}`],
    ['Date', new Date().toUTCString()],
  ];
}

/** OBS's error answer: the XML body, and the code and message as headers too (for HEAD). */
function errorReply(ctx: Ctx, status: number, code: string, message: string): Reply {
  const body = xmlError(code, message, ctx.requestId, `${ctx.requestId}${hexId(4)}`);
  return {
    status,
    errorCode: code,
    headers: [
      ['Content-Type', 'application/xml'],
      [`${ctx.p}error-code`, code],
      [`${ctx.p}error-message`, message.replace(/[^\x20-\x7e]/g, ' ')],
    ],
    body,
  };
}

/**
 * Starts a local stand-in for the OBS server: enough of OBS for the official SDK to complete its
 * object, copy, multipart, append and POST-form calls in both dialects, echoing SSE response headers
 * as OBS does. Bodies are streamed and hashed; only small objects are kept. Binds 127.0.0.1 unless
 * told otherwise. Virtual-hosted requests (`{bucket}.localhost`) need the client to resolve that name
 * to the stand-in, as `test/support/sdk.ts` does with an agent.
 */
export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const host = options.host ?? '127.0.0.1';
  const domains = options.domains ?? ['localhost'];
  const retainLimit = options.retainLimit ?? MiB;
  const kms = newKmsIdentity(options.region);
  const store = new Store();
  const exchanges: RecordedExchange[] = [];
  const har = options.har
    ? await HarWriter.open(options.har, { creator: { name: 'obs-sse-standin', version: '0.1.0' } })
    : undefined;
  let harFailure: unknown;
  const scheme = options.tls ? 'https' : 'http';

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      // Only reached if replying itself failed; the connection is all that is left to clean up.
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  };

  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : http.createServer(handler);
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const env: Env = { store, kms, retainLimit, authority: `${host}:${port}` };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = performance.now();
    const rawUrl = req.url ?? '/';
    const header = (name: string): string | undefined => {
      const v = req.headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(',') : v;
    };
    const query = parseQuery(rawUrl);
    const target = resolveTarget(header('host'), rawUrl, domains);
    const op = classify(req.method ?? 'GET', target, query, header);
    const dialect = detectDialect(Object.keys(req.headers), header('authorization'), query);
    const ctx: Ctx = {
      req,
      res,
      scheme,
      started: new Date(),
      t0,
      tBody: t0,
      op,
      dialect,
      p: prefixOf(dialect),
      target,
      query,
      header,
      requestId: hexId(16),
      body: { size: 0, sha256: EMPTY_SHA256, md5: '' },
      sse: readSseRequest(header, dialect),
    };
    let reply: Reply;
    try {
      if (op === 'PostObject') {
        await readForm(ctx, retainLimit);
      } else {
        ctx.body = await digestStream(
          requestBody(req, header),
          DATA_OPS.has(op) ? retainLimit : CONTROL_BODY_LIMIT,
        );
      }
      ctx.tBody = performance.now();
      reply = route(ctx, env);
    } catch (err) {
      ctx.tBody = ctx.tBody === t0 ? performance.now() : ctx.tBody;
      reply =
        err instanceof HttpError
          ? errorReply(ctx, err.status, err.code, err.message)
          : errorReply(ctx, 500, 'InternalError', err instanceof Error ? err.message : String(err));
    }
    send(ctx, reply);
  }

  function send(ctx: Ctx, reply: Reply): void {
    const { req, res } = ctx;
    const body =
      reply.body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(reply.body)
          ? reply.body
          : Buffer.from(reply.body, 'utf8');
    const headers: [string, string][] = [...baseHeaders(ctx), ...(reply.headers ?? [])];
    const isHead = req.method === 'HEAD';
    if (!headers.some(([n]) => n.toLowerCase() === 'content-length'))
      headers.push(['Content-Length', String(body.length)]);
    res.statusCode = reply.status;
    for (const [n, v] of headers) res.setHeader(n, v);

    const requestHeaders: [string, string][] = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      requestHeaders.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
    }
    const wire = {
      url: `${ctx.scheme}://${ctx.header('host') ?? env.authority}${req.url ?? '/'}`,
      requestHeaders,
      responseHeaders: headers,
      body: isHead ? Buffer.alloc(0) : body,
    };
    exchanges.push(recordOf(exchanges.length + 1, ctx, reply, wire));
    har?.addExchange(harExchangeOf(ctx, reply, wire)).catch((err: unknown) => {
      harFailure ??= err;
    });
    res.end(isHead ? undefined : body);
  }

  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    host,
    exchanges,
    store,
    kms,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        if (har) await har.close();
        if (harFailure) throw harFailure;
      })();
      return closing;
    },
  };
}
