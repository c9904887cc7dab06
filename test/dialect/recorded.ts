/**
 * Records what the real official SDK sends to the stand-in, and turns each recorded exchange back into the
 * message the engine and the OpenAPI validators see.
 *
 * The stand-in redacts SSE-C keys before recording (as it must). The scenarios only ever use the keys of
 * test/support/sdk.ts, so a redacted key is put back by matching the MD5 the stand-in computed from the key
 * it actually received: a key is restored only when it is provably the one that travelled.
 */
import { createHash } from 'node:crypto';
import { REDACTED } from '../../src/redact';
import type { CustomerKeyRequest } from '../../src/standin/sse';
import { startStandin, type RecordedExchange } from '../../src/standin/server';
import { makePki } from '../../src/standin/tls';
import { classify, type ClassifiedOperation } from '../../src/traffic';
import type { Operation } from '../../src/types';
import { ALL_CUSTOMER_KEYS_B64, runScenarios, type ScenarioResult, type SdkMode } from '../support/sdk';

export interface Recording {
  mode: SdkMode;
  exchanges: RecordedExchange[];
  results: ScenarioResult[];
}

/** Runs the SDK scenarios (all, or `only`) in one mode against a fresh stand-in and returns what it recorded. */
export async function recordSdk(
  mode: SdkMode,
  options: { tls?: { key: Buffer; cert: Buffer }; only?: readonly string[] } = {},
): Promise<Recording> {
  const standin = await startStandin(options.tls ? { tls: options.tls } : {});
  try {
    const results = await runScenarios(
      { port: standin.port, mode, https: options.tls !== undefined },
      { recorded: standin.exchanges, ...(options.only ? { only: options.only } : {}) },
    );
    return { mode, exchanges: standin.exchanges, results };
  } finally {
    await standin.close();
  }
}

/** A throwaway certificate for 127.0.0.1 and localhost, signed by a CA made for the run (openssl). */
export function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const pki = makePki();
  pki.remove();
  return pki.tls;
}

/** The exchanges a scenario produced. */
export function exchangesOf(rec: Recording, id: string): RecordedExchange[] {
  const r = rec.results.find((x) => x.id === id);
  if (!r?.exchanges) throw new Error(`scenario ${id} did not run in ${rec.mode} mode`);
  return rec.exchanges.slice(...r.exchanges);
}

const md5 = (b64: string) => createHash('md5').update(Buffer.from(b64, 'base64')).digest('base64');

function restoreKey(name: string, sse: RecordedExchange['sse']): string {
  const customer: CustomerKeyRequest | undefined = name.includes('copy-source')
    ? sse.copySourceCustomer
    : sse.customer;
  const actual = customer?.keyMd5Actual;
  const key = ALL_CUSTOMER_KEYS_B64.find((k) => actual !== undefined && md5(k) === actual);
  if (key === undefined)
    throw new Error(`cannot restore the redacted ${name}: no test key has MD5 ${actual}`);
  return key;
}

function restore(pairs: readonly [string, string][], sse: RecordedExchange['sse']): [string, string][] {
  return pairs.map(([name, value]) =>
    value === REDACTED && /-customer-key$/i.test(name)
      ? [name, restoreKey(name.toLowerCase(), sse)]
      : [name, value],
  );
}

/** One recorded request as it went over the wire (SSE-C keys restored) and the operation it is. */
export interface RecordedRequest {
  exchange: RecordedExchange;
  operation: Operation;
  classified: ClassifiedOperation;
  /** Request headers; for PostObject, the form fields (that is where its SSE values travel). */
  sse: [string, string][];
  headers: [string, string][];
}

/**
 * The recorded requests that are rule operations, with keys restored. Each is classified from method, URL and
 * headers by src/traffic/classify.ts, and the classification must agree with the stand-in's own routing.
 */
export function recordedRequests(rec: Recording): RecordedRequest[] {
  const out: RecordedRequest[] = [];
  for (const e of rec.exchanges) {
    const c = classify({ method: e.method, url: e.url, headers: e.requestHeaders, addressing: e.addressing });
    if (c.kind !== 'operation') continue;
    if (c.operation !== e.operation) {
      throw new Error(`exchange ${e.id}: classify says ${c.operation}, the stand-in routed ${e.operation}`);
    }
    const headers = restore(e.requestHeaders, e.sse);
    const sse = e.operation === 'PostObject' ? restore(e.formFields ?? [], e.sse) : headers;
    out.push({ exchange: e, operation: c.operation, classified: c, sse, headers });
  }
  return out;
}
