/**
 * The request the proxy sends on to OBS: its Host, its header fields (the one hop-by-hop policy of
 * src/guard/headers.ts, so that what is forwarded is what was judged), and one try at the upstream.
 */
import { performance } from 'node:perf_hooks';

import { stripHopByHopFlat, type HeadSummary } from '../guard/headers';
import type { Exchange } from './exchange';
import type { Addressing } from './options';
import { stripPort } from './target';
import type { UpstreamCall, UpstreamFailure, UpstreamHandler, UpstreamResponseHead } from './upstream';

const VIA = '1.1 obs-sse-proxy';
// Replaced with the proxy's own values instead of being copied from the client.
const HOST_AND_LENGTH: ReadonlySet<string> = new Set(['host', 'content-length']);

/**
 * The Host the upstream request carries: the upstream's own, or with virtual addressing
 * `<bucket>.<upstream host>` for a client Host `<bucket>.<publicHost>` (also the TLS server name).
 */
export function upstreamHostOf(
  ex: Exchange,
  addressing: Addressing,
  publicHost: string,
  upstreamAuthority: string,
): string {
  if (addressing === 'virtual' && ex.clientHost !== undefined) {
    const hostname = stripPort(ex.clientHost).toLowerCase();
    const suffix = `.${publicHost}`;
    if (hostname.endsWith(suffix) && hostname.length > suffix.length) {
      return `${hostname.slice(0, -suffix.length)}.${upstreamAuthority}`;
    }
  }
  return upstreamAuthority;
}

/** The header fields sent upstream, in node's flat form. */
export function upstreamHeaders(ex: Exchange, host: string): string[] {
  const flat = stripHopByHopFlat(ex.req.rawHeaders, HOST_AND_LENGTH);
  flat.push('Host', host);
  const cl = ex.head.contentLength;
  // A chunked body gets no framing field here: the transport frames it (the parser removed the chunks).
  if (ex.head.transferEncoding === undefined) {
    if (cl !== undefined) {
      flat.push('Content-Length', cl);
    } else if (ex.method === 'PUT' || ex.method === 'POST' || ex.method === 'PATCH') {
      // OBS rejects chunked uploads; an absent length means an empty body, so say that instead.
      flat.push('Content-Length', '0');
    }
  }
  flat.push('Via', VIA);
  return flat;
}

/** Whether the request head announces a body. */
export function hasBody(head: HeadSummary): boolean {
  if (head.transferEncoding !== undefined) return true;
  return head.contentLength !== undefined && head.contentLength !== '0';
}

/** What an {@link Attempt} reports to, for the exchange it belongs to. */
export interface AttemptOwner {
  /** Whether the send time is wanted (it only feeds onExchange's timings). */
  timeSends: boolean;
  response(ex: Exchange, head: UpstreamResponseHead): ((chunk: Buffer) => void) | undefined;
  complete(ex: Exchange): void;
  error(ex: Exchange, failure: UpstreamFailure): void;
}

/**
 * One try at the upstream, as the transport's handler. A retry is a new Attempt; events of one that
 * was superseded, or that come after the exchange ended, are ignored. A class rather than closures:
 * one allocation per exchange instead of one per callback.
 */
export class Attempt implements UpstreamHandler {
  /** Set as soon as the transport returns it; events only come later. */
  call: UpstreamCall | undefined;

  constructor(
    private readonly owner: AttemptOwner,
    private readonly ex: Exchange,
    private readonly n: number,
  ) {}

  private get current(): boolean {
    return this.n === this.ex.attempts && !this.ex.done;
  }

  onContinue(): void {
    const ex = this.ex;
    // 100-continue end to end: the client sends its body once OBS, not merely the proxy, agrees.
    if (this.current && !ex.res.headersSent && !ex.clientGone && !ex.continued) ex.res.writeContinue();
  }

  onRequestSent(): void {
    if (!this.current) return;
    this.ex.requestSent = true;
    // The send time only feeds onExchange's timings; without it the clock read is pure overhead.
    if (this.owner.timeSends) this.ex.tSent = performance.now();
  }

  onResponse(head: UpstreamResponseHead): ((chunk: Buffer) => void) | undefined {
    if (!this.current || this.ex.clientGone) {
      this.call?.abort();
      return undefined;
    }
    return this.owner.response(this.ex, head);
  }

  onComplete(): void {
    if (this.current) this.owner.complete(this.ex);
  }

  onError(failure: UpstreamFailure): void {
    if (this.current) this.owner.error(this.ex, failure);
  }
}
