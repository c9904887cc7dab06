/**
 * `obs-sse proxy`: the transport core (server.ts) wired to the engine-backed guard (src/guard) and,
 * with `--har`, to the HAR writer. Runs until SIGTERM/SIGINT, then drains, closes the HAR file so it is
 * valid JSON, and returns the exit code.
 */
import type { AddressInfo } from 'node:net';

import { createEngineGuard, type EngineGuard } from '../guard/engine-guard';
import { defaultLog, safeLog } from '../guard/log';
import { HarWriter } from '../har/writer';
import { toHarExchange } from './har';
import { parseProxyArgs, PROXY_USAGE, runProxy, UsageError, type ProxyArgs } from './main';
import type { ObsSseProxy } from './server';
import type { ProxyExchange } from '../guard/contract';
import { keepWebAssemblyOnBaselineTier } from './upstream-undici';

/** Extras for {@link startProxyCommand}. */
export interface ProxyCommandHooks {
  /** Receives every log line; default JSON lines on stdout. */
  log?: (line: object) => void;
  /** Also receives each exchange, after the HAR writer has been handed it. */
  onExchange?: (exchange: ProxyExchange) => void;
  /** Drain and stop on SIGTERM/SIGINT; a second signal exits 1 at once. Default true. */
  signals?: boolean;
  /** How long in-flight exchanges may take once stopping. Default 10 000 ms. */
  graceMs?: number;
  /** Receives human-readable notices (where it listens, how it stopped); default none. */
  notice?: (text: string) => void;
}

/** A running `obs-sse proxy`. */
export interface ProxyCommand {
  proxy: ObsSseProxy;
  address: AddressInfo;
  guard: EngineGuard;
  har?: HarWriter;
  /** Drains, closes the HAR file and removes the signal handlers. Idempotent; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>;
  /** Resolves with the exit code once stopped, by {@link stop} or by a signal. */
  done: Promise<number>;
}

/** Starts what `obs-sse proxy` describes. Rejects with {@link UsageError} for unusable arguments or files. */
export async function startProxyCommand(
  args: ProxyArgs,
  hooks: ProxyCommandHooks = {},
): Promise<ProxyCommand> {
  const log = hooks.log ?? defaultLog;
  const guard = createEngineGuard({
    addressing: args.addressing,
    ...(args.addressing === 'virtual' && { publicHost: args.publicHost ?? 'localhost' }),
    ...(args.dialect !== undefined && { dialect: args.dialect }),
    ...(args.severity !== undefined && { severity: args.severity }),
  });
  let har: HarWriter | undefined;
  if (args.har !== undefined) {
    try {
      har = await HarWriter.open(args.har, { comment: 'recorded by obs-sse proxy; secrets redacted' });
    } catch (err) {
      throw new UsageError(`--har: cannot write '${args.har}': ${(err as Error).message}`);
    }
  }
  let harFailed = false;
  const onExchange = (exchange: ProxyExchange): void => {
    if (har) {
      har.addExchange(toHarExchange(exchange)).catch((err: unknown) => {
        if (harFailed) return;
        harFailed = true;
        safeLog(log, { event: 'har_error', time: new Date().toISOString(), error: String(err) });
      });
    }
    hooks.onExchange?.(exchange);
  };
  let running;
  try {
    running = await runProxy(args, guard, { log, signals: false, onExchange });
  } catch (err) {
    await har?.close().catch(() => undefined);
    throw err instanceof UsageError ? err : new UsageError((err as Error).message);
  }
  const { proxy, address } = running;

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopping: Promise<number> | undefined;
  const stop = (graceMs = hooks.graceMs ?? 10_000): Promise<number> => {
    stopping ??= (async () => {
      // The handlers stay until the drain is over: a second signal must reach onSignal (exit 1 now), not
      // Node's default handler, which would kill the process by signal (exit 130/143).
      let code = 0;
      try {
        await proxy.close({ graceMs });
      } catch {
        code = 1;
      }
      if (har) {
        try {
          await har.close();
        } catch (err) {
          safeLog(log, { event: 'har_error', time: new Date().toISOString(), error: String(err) });
          code = 1;
        }
      }
      if (harFailed) code = 1;
      uninstall();
      resolveDone(code);
      return code;
    })();
    return stopping;
  };

  const signals: NodeJS.Signals[] = hooks.signals === false ? [] : ['SIGTERM', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal means "now": the drain (and the HAR's closing bracket) is given up.
      process.exit(1);
    }
    hooks.notice?.(`${signal}: draining in-flight exchanges${har ? ` and closing ${har.path}` : ''}\n`);
    void stop();
  };
  for (const s of signals) process.on(s, onSignal);
  function uninstall(): void {
    for (const s of signals) process.removeListener(s, onSignal);
  }

  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  hooks.notice?.(
    `obs-sse proxy listening on http://${host}:${address.port} -> ${args.upstream.protocol}//${args.upstream.host}` +
      ` (${args.mode} mode${har ? `, recording ${har.path}` : ''})\n`,
  );
  const command: ProxyCommand = { proxy, address, guard, stop, done };
  if (har) command.har = har;
  return command;
}

/** What {@link proxyCommand} writes to. */
export interface ProxyCommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/**
 * The `obs-sse proxy` subcommand: parses `argv`, runs until SIGTERM/SIGINT and returns the exit code
 * (0 after a clean drain, 1 when the HAR could not be completed, 2 for a usage error).
 */
export async function proxyCommand(argv: readonly string[], io: ProxyCommandIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(PROXY_USAGE);
    return 0;
  }
  // This process is the proxy's own: bound its memory (see the function).
  keepWebAssemblyOnBaselineTier();
  let command: ProxyCommand;
  try {
    command = await startProxyCommand(parseProxyArgs(argv), {
      notice: (text) => io.stderr.write(text),
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`obs-sse proxy: ${err.message}\nRun \`obs-sse proxy --help\` for the options.\n`);
    return 2;
  }
  return command.done;
}
