/**
 * The upstream transport on node:http, for the requests that carry a body:
 * - with `Expect: 100-continue`, which undici's HTTP/1.1 client does not send. node:http sends the Expect
 *   field on and reports OBS's 100 Continue, or its early refusal, before the client has sent a body
 *   byte. Each such request gets a connection of its own (`keepAlive` unset): after an early refusal the
 *   connection is mid-request, and the handshake is small next to the body.
 * - every other request with a body, on a keep-alive agent (`keepAlive` set). undici feeds a stream
 *   body chunk by chunk through its own writer (and the proxy put a PassThrough in front of it), where
 *   node:http's `pipe` hands each chunk the server parser produced straight to the socket: in
 *   `npm run bench -- forwarders` a bare node:http forwarder moved 1 MiB uploads 5-14 % faster than
 *   one on undici, and the proxy with two workers gained 5-15 % (docs/scale.md). Body-less requests stay
 *   on undici, which costs less per exchange (upstream.ts).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { SecureContext } from 'node:tls';

import { stripPort } from './target';

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
  /** Keeps connections for reuse, each idle at most this long, in ms; unset, every request connects afresh. */
  keepAliveTimeout?: number;
}

/** The TLS server name for a Host field: its host name, none for an IP address (RFC 6066 §3). */
function serverName(host: string): { servername?: string } {
  const name = stripPort(host).replace(/^\[|\]$/g, '');
  return isIP(name) === 0 ? { servername: name } : {};
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
  const idle = options.keepAliveTimeout;
  const agentOptions = { keepAlive: true, timeout: idle, scheduling: 'lifo' as const };
  // One agent for every bucket: with virtual-hosted addressing node derives each connection's TLS server
  // name from the Host field, and keys its pool by that name. The agent itself shortens an idle
  // connection's life to the upstream's Keep-Alive hint less a second, as undici does on the other path.
  const agent =
    idle === undefined
      ? false
      : secure
        ? new https.Agent({
            ...agentOptions,
            ...(options.secureContext ? { secureContext: options.secureContext } : {}),
          })
        : new http.Agent(agentOptions);

  return {
    send(req: UpstreamRequest, sink: http.ServerResponse, handler: UpstreamHandler): UpstreamCall {
      const headers = req.chunked ? [...req.headers, 'Transfer-Encoding', 'chunked'] : req.headers;
      const upReq = request({
        hostname,
        port,
        method: req.method,
        path: req.path,
        headers: headers as unknown as http.OutgoingHttpHeaders,
        agent,
        // node would take the server name from a Host header set as an object, not from the flat list
        // the proxy relays: without this, every virtual-hosted bucket got the upstream's own name.
        ...(secure ? serverName(req.host) : {}),
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
      // With Expect the head goes out now: OBS answers it before the client sends the body. Otherwise it
      // leaves with the first body chunk, one write fewer.
      if (agent === false) upReq.flushHeaders();
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
      let free = 0;
      if (agent) for (const sockets of Object.values(agent.freeSockets)) free += sockets?.length ?? 0;
      return { active: live.size, free, pending: 0 };
    },
    destroy(): Promise<void> {
      for (const upReq of live) upReq.destroy();
      if (agent) agent.destroy();
      return Promise.resolve();
    },
  };
}
