/**
 * What every real-client suite shares: the stand-in (HTTPS, private CA) behind `obs-sse proxy` in enforce mode
 * (started through the CLI's own entry, with --har), a TLS front for the proxy (rclone refuses SSE-C over plain
 * HTTP), and a matrix that records, per client step, the proxy's verdict and codes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';

import { startStandin, type Standin } from '../../src/standin/server';
import { makePki, type TestPki } from '../../src/standin/tls';
import { startRecordingProxy, type Line } from '../support/recording-proxy';

export interface Harness {
  standin: Standin;
  pki: TestPki;
  /** `https://127.0.0.1:PORT`: the TLS front of the proxy, path-style. */
  endpoint: string;
  port: number;
  /** The proxy's log lines so far. */
  logs: Line[];
  harFile: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts stand-in, proxy (`--mode` default enforce) and its TLS front; `extra` goes to the proxy's arguments. */
export async function startHarness(extra: string[] = []): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'obs-sse-clients-'));
  const pki = makePki();
  const standin = await startStandin({ tls: pki.tls, retainLimit: 8 * 1024 * 1024 });
  const harFile = join(dir, 'proxy.har');
  const proxy = await startRecordingProxy({ upstreamPort: standin.port, caFile: pki.caFile, harFile, extra });
  const { command, lines: logs } = proxy;
  const proxyPort = proxy.port;
  // TLS ends here and the bytes go on to the proxy unchanged: the client→proxy hop is the client's business,
  // the transport rules judge the proxy→OBS hop.
  const sockets = new Set<net.Socket>();
  const front = tls.createServer({ key: pki.tls.key, cert: pki.tls.cert }, (client) => {
    const upstream = net.connect(proxyPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as net.AddressInfo).port;
  let stopped = false;
  return {
    standin,
    pki,
    endpoint: `https://127.0.0.1:${port}`,
    port,
    logs,
    harFile,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await command.stop(1000);
      await standin.close();
      pki.remove();
    },
  };
}

/** Removes a harness's temporary directory (after the HAR has been read). */
export function removeDir(h: Harness): void {
  rmSync(h.dir, { recursive: true, force: true });
}

/** One row of the compatibility matrix. */
export interface MatrixRow {
  client: string;
  version: string;
  operation: string;
  sse: string;
  /** `pass`: every exchange of the step was forwarded; `blocked`: the proxy refused one. */
  verdict: 'pass' | 'blocked';
  /** Every code the proxy's request checks named during the step (warnings included), sorted. */
  codes: string[];
  /** Why the row is worth reading: who is wrong when a correct-looking call is blocked. */
  note?: string;
}

/** What a step expects: `pass`, or the code the proxy blocks it with. */
export type Expect = 'pass' | { blocked: string };

/** Records each client step's verdict from the proxy's log lines. */
export class Matrix {
  readonly rows: MatrixRow[] = [];

  constructor(private readonly harness: Harness) {}

  /**
   * Runs `action` and records what the proxy said about the exchanges it made. A step expected to pass must
   * not throw; a blocked step may (the client sees the 400).
   */
  async step(
    row: Omit<MatrixRow, 'verdict' | 'codes'>,
    expected: Expect,
    action: () => Promise<unknown>,
  ): Promise<MatrixRow> {
    const from = this.harness.logs.length;
    let error: unknown;
    await action().catch((err: unknown) => {
      error = err;
    });
    const lines = this.harness.logs.slice(from).filter((l) => l.event === 'exchange');
    const blocked = lines.some((l) => l.verdict === 'blocked');
    const codes = [...new Set(lines.flatMap((l) => l.codes as string[]))].sort();
    const done: MatrixRow = { ...row, verdict: blocked ? 'blocked' : 'pass', codes };
    this.rows.push(done);
    if (expected === 'pass') {
      if (error !== undefined)
        throw new Error(`${row.client} ${row.operation} (${row.sse}) failed: ${String(error)}`);
      if (lines.length === 0)
        throw new Error(`${row.client} ${row.operation}: nothing went through the proxy`);
      expect({ step: `${row.operation} (${row.sse})`, verdict: done.verdict }).toEqual({
        step: `${row.operation} (${row.sse})`,
        verdict: 'pass',
      });
    } else {
      expect({ step: `${row.operation} (${row.sse})`, verdict: done.verdict, codes }).toEqual({
        step: `${row.operation} (${row.sse})`,
        verdict: 'blocked',
        codes: expect.arrayContaining([expected.blocked]) as unknown,
      });
    }
    return done;
  }
}

/** The committed matrix of one suite. */
export const matrixFile = (suite: string): string => join(__dirname, 'matrix', `${suite}.json`);

/**
 * The drift check: the rows must equal the committed ones of the same clients and versions (a client this machine
 * lacks, such as a boto3 beside Debian's, is left out; a new version shows as a difference). `UPDATE_FIXTURES=1`
 * rewrites the file; then `npx tsx test/clients/render.ts` regenerates docs/compatibility.md.
 */
export function checkMatrix(suite: string, rows: MatrixRow[]): void {
  const file = matrixFile(suite);
  if (process.env.UPDATE_FIXTURES === '1') {
    writeFileSync(file, JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  const ran = new Set(rows.map((r) => `${r.client} ${r.version}`));
  const committed = (JSON.parse(readFileSync(file, 'utf8')) as MatrixRow[]).filter((r) =>
    ran.has(`${r.client} ${r.version}`),
  );
  expect(rows).toEqual(committed);
}
