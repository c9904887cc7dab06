/**
 * `obs-sse authz`: argument parsing and the process around {@link createAuthzServer} (session store,
 * signals, the `listening` line). Flags shared with `obs-sse proxy` are parsed by the proxy's helpers.
 */
import { parseArgs } from 'node:util';

import { defaultLog } from '../guard/log';
import { openSharedSessions } from '../proxy/command';
import {
  GUARD_FLAGS,
  parseListen,
  parseScaleArgs,
  parseSeverity,
  UsageError,
  type ProxyArgs,
} from '../proxy/main';
import type { ProxyMode, UpstreamScheme } from '../proxy/types';
import type { GuardAddressing } from '../guard/engine-guard';
import type { Dialect } from '../types';
import type { GatewayConvention } from './gateway';
import { createAuthzServer, type AuthzServer } from './server';

/** Usage text of `obs-sse authz`. */
export const AUTHZ_USAGE = `Usage: obs-sse authz --listen HOST:PORT [options]

A forward-auth decision server for gateways in front of OBS (nginx auth_request, Envoy ext_authz,
Traefik ForwardAuth, Caddy forward_auth). It sees the request head only, never the body, and answers
200 to allow or 403 with the proxy's OBS XML error naming the codes. Configs: docs/gateways/.

  --listen HOST:PORT          address to listen on, e.g. 127.0.0.1:9100
  --upstream-scheme https|http
                              scheme of the gateway's hop to OBS, which the transport rules judge
                              (default https)
  --mode enforce|report       enforce (default) refuses bad SSE headers; report allows and logs
  --gateway auto|nginx|forwarded|envoy
                              how the gateway names the original request (default auto): nginx
                              X-Original-Method/-URI; forwarded X-Forwarded-Method/-Uri/-Host
                              (Traefik, Caddy); envoy the check request's own method and path
  --path-prefix PREFIX        Envoy's path_prefix, removed from the check request's path
  --deny-status 403|400       status of a refusal (default 403; nginx accepts only 401 and 403)
  --refuse-post-object        refuse PostObject: its SSE fields are in the body, which authz never
                              sees (default: allow it and report form/unchecked as a warning)
  --addressing auto|path|virtual
                              how the bucket is found (default auto: OBS host names are virtual-hosted)
  --public-host NAME          with --addressing virtual: <bucket>.NAME is virtual-hosted
  --dialect obs|s3|auto       header dialect (default auto)
  --rule CODE=off|info|warning|error, -c/--config FILE
                              severities, as for obs-sse proxy
  --session-store URL         share multipart sessions with other authz replicas and proxies through
                              Redis: redis://HOST:PORT[/DB]
  --session-store-failure open|closed
                              a part whose session cannot be read passes (open) or is refused (closed,
                              the default)

Logs are JSON lines on stdout, one per decision; SIGTERM/SIGINT stop it.
`;

/** Parsed `obs-sse authz` arguments. */
export interface AuthzArgs extends Pick<ProxyArgs, 'sessionStore' | 'sessionStoreFailure' | 'severity'> {
  listen: { host: string; port: number };
  upstreamScheme: UpstreamScheme;
  mode: ProxyMode;
  gateway: GatewayConvention;
  pathPrefix?: string;
  denyStatus: 400 | 403;
  refusePostObject: boolean;
  addressing: GuardAddressing;
  publicHost?: string;
  dialect?: Dialect | 'auto';
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be ${allowed.join(', ')}; got '${value}'`);
  }
  return value as T;
}

/** Parses the arguments after `obs-sse authz`; mistakes throw {@link UsageError}. */
export function parseAuthzArgs(argv: readonly string[]): AuthzArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...GUARD_FLAGS,
        'upstream-scheme': { type: 'string' },
        gateway: { type: 'string' },
        'path-prefix': { type: 'string' },
        'deny-status': { type: 'string' },
        'refuse-post-object': { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.listen === undefined) throw new UsageError('--listen HOST:PORT is required');
  const addressing = oneOf('addressing', values.addressing, ['auto', 'path', 'virtual'], 'auto');
  if (values['public-host'] !== undefined && addressing !== 'virtual') {
    throw new UsageError('--public-host only applies with --addressing virtual');
  }
  const args: AuthzArgs = {
    listen: parseListen(values.listen),
    upstreamScheme: oneOf('upstream-scheme', values['upstream-scheme'], ['https', 'http'], 'https'),
    mode: oneOf('mode', values.mode, ['enforce', 'report'], 'enforce'),
    gateway: oneOf('gateway', values.gateway, ['auto', 'nginx', 'forwarded', 'envoy'], 'auto'),
    denyStatus: Number(oneOf('deny-status', values['deny-status'], ['403', '400'], '403')) as 400 | 403,
    refusePostObject: values['refuse-post-object'] === true,
    addressing,
    ...parseScaleArgs(values),
  };
  if (values['path-prefix'] !== undefined) {
    if (!values['path-prefix'].startsWith('/')) throw new UsageError('--path-prefix must start with /');
    args.pathPrefix = values['path-prefix'].replace(/\/$/, '');
  }
  if (values['public-host'] !== undefined) args.publicHost = values['public-host'];
  if (values.dialect !== undefined)
    args.dialect = oneOf<Dialect | 'auto'>('dialect', values.dialect, ['obs', 's3', 'auto'], 'auto');
  const severity = parseSeverity(values.config, values.rule ?? []);
  if (Object.keys(severity).length > 0) args.severity = severity;
  return args;
}

/** A running `obs-sse authz`. */
export interface AuthzCommand {
  authz: AuthzServer;
  port: number;
  stop(): Promise<void>;
}

/** Starts what `obs-sse authz` describes (without signal handling). */
export async function startAuthz(
  args: AuthzArgs,
  log: (line: object) => void = defaultLog,
): Promise<AuthzCommand> {
  const sessions = await openSharedSessions(args, log);
  const authz = createAuthzServer({
    addressing: args.addressing,
    ...(args.publicHost !== undefined && { publicHost: args.publicHost }),
    ...(args.dialect !== undefined && { dialect: args.dialect }),
    ...(args.severity !== undefined && { severity: args.severity }),
    ...(sessions !== undefined && { store: sessions.store, pending: sessions.pending }),
    log,
    mode: args.mode,
    upstreamScheme: args.upstreamScheme,
    gateway: args.gateway,
    denyStatus: args.denyStatus,
    refusePostObject: args.refusePostObject,
    ...(args.pathPrefix !== undefined && { pathPrefix: args.pathPrefix }),
  });
  let address;
  try {
    address = await authz.listen(args.listen.port, args.listen.host);
  } catch (err) {
    await sessions?.close();
    throw new UsageError(`--listen: ${(err as Error).message}`);
  }
  log({
    event: 'listening',
    time: new Date().toISOString(),
    address: address.address,
    port: address.port,
    mode: args.mode,
    upstreamScheme: args.upstreamScheme,
    gateway: args.gateway,
    sessionStore: sessions?.describe ?? 'memory',
    // What a headers-only decision never checks (docs/gateways/README.md).
    unchecked: [
      args.refusePostObject ? 'PostObject (refused)' : 'PostObject form fields (form/unchecked)',
      'responses',
    ],
  });
  return {
    authz,
    port: address.port,
    async stop() {
      await authz.close();
      await sessions?.close();
    },
  };
}

/** What {@link authzCommand} writes to. */
export interface AuthzIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** The `obs-sse authz` subcommand: runs until SIGTERM/SIGINT; 0 after a clean stop, 2 for a usage error. */
export async function authzCommand(argv: readonly string[], io: AuthzIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(AUTHZ_USAGE);
    return 0;
  }
  let running: AuthzCommand;
  try {
    running = await startAuthz(parseAuthzArgs(argv));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`obs-sse authz: ${err.message}\nRun \`obs-sse authz --help\` for the options.\n`);
    return 2;
  }
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      running.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
