/**
 * The proxy server's lifecycle: listening, the connections and exchanges it holds, and a graceful
 * close that lets in-flight exchanges finish within a grace period before cutting what remains.
 */
import type * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import type { Exchange } from './exchange';
import type { ProxyStats } from './options';
import type { UpstreamTransport } from './upstream';

/** Connections, exchanges in flight and closing, for one proxy server. */
export class Lifecycle {
  readonly connections = new Set<Socket>();
  readonly inFlight = new Set<Exchange>();
  /** close() has begun: responses now close their connection. */
  closing = false;
  private closePromise: Promise<void> | undefined;
  private drainWaiters: Array<() => void> = [];

  constructor(
    private readonly server: http.Server,
    private readonly transports: readonly UpstreamTransport[],
    private readonly log: (line: object) => void,
  ) {
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  /** Starts listening; resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo> {
    const server = this.server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.removeListener('error', onError);
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /** An exchange has ended: while closing, its idle connection can go, and close() may finish. */
  ended(ex: Exchange): void {
    this.inFlight.delete(ex);
    if (!this.closing) return;
    // The connection that carried this exchange is idle now; closing it is what lets close() finish.
    setImmediate(() => this.server.closeIdleConnections());
    if (this.inFlight.size === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** See {@link import('./options').ObsSseProxy.close}. Idempotent. */
  close(graceMs: number): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    const { server, inFlight } = this;
    this.closePromise = (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const started = inFlight.size;
      let forced = 0;
      if (inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          this.drainWaiters.push(resolve);
          const timer = setTimeout(() => {
            forced = inFlight.size;
            server.closeAllConnections();
          }, graceMs);
          this.drainWaiters.push(() => clearTimeout(timer));
        });
      }
      server.closeAllConnections();
      await serverClosed;
      await Promise.all(this.transports.map((t) => t.destroy()));
      this.log({ event: 'closed', time: new Date().toISOString(), inFlightAtClose: started, forced });
    })();
    return this.closePromise;
  }

  stats(): ProxyStats {
    const sockets = { active: 0, free: 0, pending: 0 };
    for (const t of this.transports) {
      const s = t.stats();
      sockets.active += s.active;
      sockets.free += s.free;
      sockets.pending += s.pending;
    }
    return {
      clientConnections: this.connections.size,
      inFlight: this.inFlight.size,
      upstreamSockets: sockets,
    };
  }
}
