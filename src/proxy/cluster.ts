/**
 * `obs-sse proxy --workers N|auto`: N worker processes (node:cluster) behind one listening socket.
 *
 * - Sessions: the workers share multipart sessions through `--session-store` (Redis) when given, or
 *   else through a store in the primary that they reach over IPC (src/session-store/ipc.ts).
 * - Draining: SIGTERM or SIGINT to the primary tells every worker to stop accepting and finish its
 *   in-flight exchanges; the primary exits once all have, 0 when every worker drained cleanly. A second
 *   signal kills the workers at once and exits 1. A worker ignores signals sent to the whole process
 *   group beyond the first (a Ctrl-C reaches every process): the primary's message stops it once.
 * - Restarts: a worker that dies while the primary is not stopping is replaced, at once the first time
 *   and with a growing delay (up to 10 s) while replacements keep dying within a second of starting.
 *
 * The primary runs no proxy itself; it logs `worker_started`, `worker_listening`, `listening` (once,
 * when the first worker listens), `worker_exit` and `stopped` lines in the proxy's JSON-lines shape.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';

import { safeLog } from '../guard/log';
import { serveSessions } from '../session-store';
import { MemoryUploadSessionStore } from '../traffic/upload-id';

/** The message a primary sends a worker to make it drain and exit. */
const STOP = 'obs-sse-stop';
const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that dies sooner than this after starting counts towards the restart delay. */
const QUICK_DEATH_MS = 1000;

/** Parses `--workers`: a positive integer up to 256, or `auto` (one per CPU). */
export function parseWorkers(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new TypeError(`--workers must be a number from 1 to 256 or auto, got '${value}'`);
  }
  return n;
}

/** True in a process forked by {@link runPrimary}. */
export function isProxyWorker(): boolean {
  return cluster.isWorker;
}

/** What {@link runPrimary} needs besides the worker count. */
export interface PrimaryOptions {
  workers: number;
  /** The `obs-sse proxy` arguments, given to each worker as they are. */
  argv: readonly string[];
  /** True when the workers share a `--session-store`; otherwise the primary holds the sessions. */
  externalStore: boolean;
  log: (line: object) => void;
  notice?: (text: string) => void;
  /** How long the workers may drain before they are killed. Default 15 000 ms. */
  graceMs?: number;
}

/**
 * Runs the primary: forks the workers, restarts the ones that die, drains them all on SIGTERM/SIGINT.
 * Resolves with the exit code once every worker has exited.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const log = (line: object): void => safeLog(options.log, { ...line, time: new Date().toISOString() });
  cluster.setupPrimary({
    exec: path.join(__dirname, '..', 'cli', 'main.js'),
    args: ['proxy', ...options.argv],
  });
  const sessions = options.externalStore ? undefined : new MemoryUploadSessionStore();
  const started = new Map<Worker, number>();
  let stopping = false;
  let listening = false;
  let quickDeaths = 0;
  let failed = false;

  function fork(): void {
    const worker = cluster.fork();
    started.set(worker, Date.now());
    if (sessions) serveSessions(worker, sessions);
    log({ event: 'worker_started', pid: worker.process.pid });
    worker.on('listening', (address: { address: string; port: number }) => {
      log({ event: 'worker_listening', pid: worker.process.pid });
      if (listening) return;
      listening = true;
      log({ event: 'listening', address: address.address, port: address.port, workers: options.workers });
      options.notice?.(
        `obs-sse proxy: ${options.workers} workers listening on ${address.address}:${address.port}\n`,
      );
    });
  }

  return new Promise<number>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      const lived = Date.now() - (started.get(worker) ?? 0);
      started.delete(worker);
      log({ event: 'worker_exit', pid: worker.process.pid, code, signal });
      if (code !== 0) failed = true;
      if (stopping) {
        if (started.size === 0) {
          log({ event: 'stopped', workers: options.workers });
          resolve(failed ? 1 : 0);
        }
        return;
      }
      quickDeaths = lived < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
      const delay = quickDeaths <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** quickDeaths);
      setTimeout(() => !stopping && fork(), delay).unref();
    });

    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        for (const w of started.keys()) w.process.kill('SIGKILL');
        process.exit(1);
      }
      stopping = true;
      failed = false;
      options.notice?.(`${signal}: draining ${started.size} workers\n`);
      if (started.size === 0) resolve(0);
      for (const w of started.keys()) if (w.isConnected()) w.send(STOP);
      const timer = setTimeout(
        () => {
          for (const w of started.keys()) w.process.kill('SIGKILL');
        },
        (options.graceMs ?? 15_000) + 1000,
      );
      timer.unref();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    for (let i = 0; i < options.workers; i++) fork();
  });
}

/**
 * In a worker: calls `stop` once when the primary says so, when the primary disappears (the IPC
 * channel closes), or on the first SIGTERM/SIGINT; later signals are ignored (see the module comment).
 */
export function onWorkerStop(stop: () => void): void {
  let stopped = false;
  const once = (): void => {
    if (stopped) return;
    stopped = true;
    stop();
  };
  process.on('message', (m: unknown) => m === STOP && once());
  process.on('disconnect', once);
  process.on('SIGTERM', once);
  process.on('SIGINT', once);
}
