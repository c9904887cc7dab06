/**
 * The upstream transport for requests with `Expect: 100-continue`, which undici's HTTP/1.1 client does
 * not send. node:http sends the Expect field on and reports OBS's 100 Continue, or its early refusal,
 * before the client has sent a body byte. Such requests carry large uploads, so each gets a connection
 * of its own (no pool): the handshake is small next to the body, and the pooled path stays undici's.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { SecureContext } from 'node:tls';

import {
  upstreamFailure,
  type UpstreamCall,
  type UpstreamHandler,
  type UpstreamRequest,
  type UpstreamSocketStats,
  type UpstreamTransport,
} from './upstream';

export interface HttpUpstreamOptions {
  upstream: URL;
  secureContext?: SecureContext;
  /** Longest silence from the upstream, in ms. */
  timeout: number;
}

class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
}

export function createHttpUpstream(options: HttpUpstreamOptions): UpstreamTransport {
  const secure = options.upstream.protocol === 'https:';
  const request = secure ? https.request : http.request;
  const hostname = options.upstream.hostname.replace(/^\[|\]$/g, '');
  const port = options.upstream.port === '' ? (secure ? 443 : 80) : Number(options.upstream.port);
  const live = new Set<http.ClientRequest>();

  return {
    send(req: UpstreamRequest, sink: http.ServerResponse, handler: UpstreamHandler): UpstreamCall {
      const headers = req.chunked ? [...req.headers, 'Transfer-Encoding', 'chunked'] : req.headers;
      const upReq = request({
        hostname,
        port,
        method: req.method,
        path: req.path,
        headers: headers as unknown as http.OutgoingHttpHeaders,
        agent: false,
        timeout: options.timeout,
        ...(options.secureContext ? { secureContext: options.secureContext } : {}),
      });
      live.add(upReq);
      let done = false;
      let upRes: http.IncomingMessage | undefined;
      const fail = (err: unknown): void => {
        if (done) return;
        done = true;
        handler.onError(upstreamFailure(err, upRes !== undefined));
      };
      upReq.on('close', () => live.delete(upReq));
      upReq.on('timeout', () =>
        upReq.destroy(new TimeoutError(`upstream sent nothing for ${options.timeout} ms`)),
      );
      // Once the response flows, its own events decide: OBS may answer early and stop reading the body,
      // which breaks the request side without anything being wrong with the answer.
      upReq.on('error', (err: Error) => {
        if (upRes === undefined) fail(err);
      });
      upReq.on('finish', () => handler.onRequestSent());
      upReq.on('continue', () => handler.onContinue());
      upReq.on('response', (res: http.IncomingMessage) => {
        if (done) {
          res.destroy();
          return;
        }
        upRes = res;
        const tap = handler.onResponse({
          status: res.statusCode ?? 502,
          statusText: res.statusMessage ?? '',
          rawHeaders: res.rawHeaders,
        });
        if (tap) res.on('data', tap);
        res.on('end', () => {
          if (!done) handler.onComplete();
        });
        res.on('error', fail);
        res.on('close', () => {
          // The upstream died mid-body: report it, rather than leave a short response looking whole.
          if (!res.complete) fail(new Error('upstream response aborted'));
        });
        res.pipe(sink);
      });
      // Headers go out now: with Expect, OBS answers the head before the client sends the body.
      upReq.flushHeaders();
      if (req.body) req.body.pipe(upReq);
      else upReq.end();
      return {
        abort(): void {
          if (done) return;
          done = true;
          if (req.body) req.body.unpipe(upReq);
          upReq.destroy();
          upRes?.destroy();
        },
      };
    },
    stats(): UpstreamSocketStats {
      return { active: live.size, free: 0, pending: 0 };
    },
    destroy(): Promise<void> {
      for (const upReq of live) upReq.destroy();
      return Promise.resolve();
    },
  };
}
