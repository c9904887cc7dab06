import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

import { severityOverrides } from '../cli/args';
import { loadConfig } from '../cli/config';
import { UsageError as CliUsageError } from '../cli/io';
import type { SeverityOverrides } from '../engine/report';
import { RuleLoadError } from '../rules/load';
import { createProxy, defaultLog, installSignalHandlers, type Addressing, type ObsSseProxy } from './server';
import type { Dialect } from '../types';
import type { ProxyExchange, ProxyGuard, ProxyMode } from '../guard/contract';

/** Usage text of `obs-sse proxy`. */
export const PROXY_USAGE = `Usage: obs-sse proxy --listen HOST:PORT --upstream URL [options]

  --listen HOST:PORT        address to listen on, e.g. 127.0.0.1:9000 or [::1]:9000
  --upstream URL            OBS endpoint, http(s)://host[:port] (no path)
  --mode enforce|report     enforce (default) answers bad SSE headers with 400; report only logs
  --har FILE                record exchanges as HAR
  --addressing path|virtual Host mapping (default path): path sends the upstream's host; virtual maps
                            <bucket>.<public-host> to <bucket>.<upstream host>
  --public-host NAME        host name clients use for the proxy, with --addressing virtual (default localhost)
  --upstream-ca FILE        PEM CA bundle to trust for the upstream, besides the default CAs
  --upstream-timeout MS     give up on a silent upstream after MS milliseconds (default 60000)
  --dialect obs|s3|auto     header dialect to read requests in (default auto: detected per request)
  --rule CODE=off|info|warning|error
                            change a code's severity (repeatable): off drops it, info and warning
                            only log it, error blocks it (in enforce mode)
  -c, --config FILE         a config file as for obs-sse lint; its "rules" set severities (--rule
                            wins). Only read when given

Requests are checked with the upstream's scheme as their transport: the hop to OBS is what the HTTPS
rules are about. Trust a private upstream CA with --upstream-ca or NODE_EXTRA_CA_CERTS.
Logs are JSON lines on stdout; SIGTERM/SIGINT drain in-flight exchanges, close the HAR and exit.
Documentation: docs/proxy.md.
`;

/** A command-line mistake; the CLI prints the message and {@link PROXY_USAGE} and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parsed `obs-sse proxy` arguments. */
export interface ProxyArgs {
  listen: { host: string; port: number };
  upstream: URL;
  mode: ProxyMode;
  har?: string;
  addressing: Addressing;
  publicHost?: string;
  /** Path of a PEM file. */
  upstreamCa?: string;
  upstreamTimeout?: number;
  /** Absent means `auto`. */
  dialect?: Dialect | 'auto';
  /** Per-code severities from `--config`'s `rules` and `--rule` (which wins); absent when none. */
  severity?: SeverityOverrides;
}

/**
 * The severity overrides of `--config FILE` and `--rule`, parsed and validated as `obs-sse lint` does
 * (src/cli), with its errors turned into this command's usage errors.
 */
function parseSeverity(config: string | undefined, rules: readonly string[]): SeverityOverrides {
  try {
    return severityOverrides(config === undefined ? undefined : loadConfig(config).rules, rules, PROXY_USAGE);
  } catch (err) {
    if (err instanceof CliUsageError) throw new UsageError(err.message);
    if (err instanceof RuleLoadError) throw new UsageError(`--config: invalid config: ${err.message}`);
    throw err;
  }
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:[\]]+):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:9000 or [::1]:9000), got '${value}'`);
  }
  return { host: m[1] as string, port };
}

function parseUpstream(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--upstream is not a URL: '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--upstream must be http:// or https://, got '${url.protocol}'`);
  }
  if (
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new UsageError('--upstream must be scheme://host[:port] without path, query or credentials');
  }
  return url;
}

/**
 * Parses the arguments after `obs-sse proxy`. Unknown flags, positionals and bad values throw
 * {@link UsageError}.
 */
export function parseProxyArgs(argv: readonly string[]): ProxyArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        listen: { type: 'string' },
        upstream: { type: 'string' },
        mode: { type: 'string' },
        har: { type: 'string' },
        addressing: { type: 'string' },
        'public-host': { type: 'string' },
        'upstream-ca': { type: 'string' },
        'upstream-timeout': { type: 'string' },
        dialect: { type: 'string' },
        rule: { type: 'string', multiple: true },
        config: { type: 'string', short: 'c' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.listen === undefined) throw new UsageError('--listen HOST:PORT is required');
  if (values.upstream === undefined) throw new UsageError('--upstream URL is required');
  const mode = values.mode ?? 'enforce';
  if (mode !== 'enforce' && mode !== 'report') {
    throw new UsageError(`--mode must be enforce or report, got '${mode}'`);
  }
  const addressing = values.addressing ?? 'path';
  if (addressing !== 'path' && addressing !== 'virtual') {
    throw new UsageError(`--addressing must be path or virtual, got '${addressing}'`);
  }
  if (values['public-host'] !== undefined && addressing !== 'virtual') {
    throw new UsageError('--public-host only applies with --addressing virtual');
  }
  const args: ProxyArgs = {
    listen: parseListen(values.listen),
    upstream: parseUpstream(values.upstream),
    mode,
    addressing,
  };
  if (values.har !== undefined) args.har = values.har;
  if (values['public-host'] !== undefined) args.publicHost = values['public-host'];
  if (values['upstream-ca'] !== undefined) args.upstreamCa = values['upstream-ca'];
  if (values.dialect !== undefined) {
    const dialect = values.dialect;
    if (dialect !== 'obs' && dialect !== 's3' && dialect !== 'auto') {
      throw new UsageError(`--dialect must be obs, s3 or auto, got '${dialect}'`);
    }
    args.dialect = dialect;
  }
  if (values['upstream-timeout'] !== undefined) {
    const ms = Number(values['upstream-timeout']);
    if (!Number.isInteger(ms) || ms <= 0) {
      throw new UsageError(
        `--upstream-timeout must be a positive integer (ms), got '${values['upstream-timeout']}'`,
      );
    }
    args.upstreamTimeout = ms;
  }
  const severity = parseSeverity(values.config, values.rule ?? []);
  if (Object.keys(severity).length > 0) args.severity = severity;
  return args;
}

/** Extras for {@link runProxy} that the CLI wires in. */
export interface RunProxyHooks {
  /** Receives each exchange; required when `args.har` is set (the HAR writer lives elsewhere). */
  onExchange?: (exchange: ProxyExchange) => void;
  log?: (line: object) => void;
  /** Install SIGTERM/SIGINT draining (default true). */
  signals?: boolean;
}

/** A proxy started by {@link runProxy}. */
export interface RunningProxy {
  proxy: ObsSseProxy;
  address: AddressInfo;
  /** Removes the signal handlers (a no-op when none were installed). */
  uninstall: () => void;
}

/**
 * Starts the proxy that `obs-sse proxy` describes with `guard` as its checker, listening on `args.listen`,
 * and (by default) draining on SIGTERM.
 */
export async function runProxy(
  args: ProxyArgs,
  guard: ProxyGuard,
  hooks: RunProxyHooks = {},
): Promise<RunningProxy> {
  if (args.har !== undefined && hooks.onExchange === undefined) {
    // Accepting --har and silently writing nothing would be worse than refusing it.
    throw new UsageError('--har needs an onExchange recorder (startProxyCommand in command.ts wires one)');
  }
  let upstreamCa: Buffer | undefined;
  if (args.upstreamCa !== undefined) {
    try {
      upstreamCa = readFileSync(args.upstreamCa);
    } catch (err) {
      throw new UsageError(`--upstream-ca: cannot read '${args.upstreamCa}': ${(err as Error).message}`);
    }
  }
  let proxy: ObsSseProxy;
  try {
    proxy = createProxy({
      upstream: args.upstream,
      mode: args.mode,
      guard,
      addressing: args.addressing,
      ...(upstreamCa !== undefined && { upstreamCa }),
      ...(args.publicHost !== undefined && { publicHost: args.publicHost }),
      ...(args.upstreamTimeout !== undefined && { upstreamTimeout: args.upstreamTimeout }),
      ...(hooks.onExchange !== undefined && { onExchange: hooks.onExchange }),
      ...(hooks.log !== undefined && { log: hooks.log }),
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const address = await proxy.listen(args.listen.port, args.listen.host);
  const uninstall = hooks.signals === false ? () => undefined : installSignalHandlers(proxy);
  (hooks.log ?? defaultLog)({
    event: 'listening',
    time: new Date().toISOString(),
    address: address.address,
    port: address.port,
    upstream: `${args.upstream.protocol}//${args.upstream.host}`,
    mode: args.mode,
  });
  return { proxy, address, uninstall };
}
