/**
 * A gateway from docs/gateways/ in front of the stand-in (HTTPS with a private CA, as OBS is), with
 * `obs-sse authz` beside it, for the end-to-end tests of each gateway. The shipped configuration is
 * used as it is, only its CHANGE-marked addresses swapped for loopback ones.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseAuthzArgs, startAuthz, type AuthzCommand } from '../../src/authz/command';
import { startStandin, type Standin } from '../../src/standin/server';
import { makePki, type TestPki } from '../../src/standin/tls';
import { ROOT } from '../support/dist';

/** The OBS endpoint name the shipped configs use; the stand-in's certificate names it too. */
export const OBS_HOST = 'obs.cn-north-4.myhuaweicloud.com';

/** The stand-in, its CA, and authz with its log lines. */
export interface Backends {
  pki: TestPki;
  standin: Standin;
  authz: AuthzCommand;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Starts the stand-in over HTTPS and `obs-sse authz` (in this process, to read its counters). */
export async function startBackends(authzArgs: readonly string[] = []): Promise<Backends> {
  const pki = makePki([OBS_HOST]);
  const standin = await startStandin({ tls: pki.tls });
  const logs: Array<Record<string, unknown>> = [];
  const authz = await startAuthz(parseAuthzArgs(['--listen', '127.0.0.1:0', ...authzArgs]), (l) =>
    logs.push(l as Record<string, unknown>),
  );
  return {
    pki,
    standin,
    authz,
    logs,
    async close() {
      await authz.stop();
      await standin.close();
      pki.remove();
    },
  };
}

/** A shipped gateway configuration from docs/gateways/. */
export function shipped(file: string): string {
  return readFileSync(join(ROOT, 'docs', 'gateways', file), 'utf8');
}

/** Replaces each `from` (which must occur) with `to`. */
export function swap(text: string, pairs: ReadonlyArray<readonly [string | RegExp, string]>): string {
  let out = text;
  for (const [from, to] of pairs) {
    const before = out;
    out = out.replace(from, to);
    if (out === before) throw new Error(`the shipped config no longer contains ${String(from)}`);
  }
  return out;
}
