/** Graceful shutdown of a running proxy on SIGTERM/SIGINT. */
import type { ObsSseProxy } from './options';

/** Options of {@link installSignalHandlers}. */
export interface SignalHandlerOptions {
  /** How long in-flight exchanges may take after the signal. Default 10 000. */
  graceMs?: number;
  /** Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Called with the exit code once drained; default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * On SIGTERM (and SIGINT): stop accepting, let in-flight requests finish within the grace period, then
 * exit 0. A second signal exits 1 at once. Returns a function that removes the handlers.
 */
export function installSignalHandlers(proxy: ObsSseProxy, options: SignalHandlerOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const handler = (): void => {
    if (shuttingDown) {
      exit(1);
      return;
    }
    shuttingDown = true;
    proxy.close({ graceMs: options.graceMs ?? 10_000 }).then(
      () => exit(0),
      () => exit(1),
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.removeListener(s, handler);
  };
}
