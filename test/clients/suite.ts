/**
 * One client suite's frame: a harness (stand-in, proxy, TLS front) and a matrix for the file, the client's test
 * keys and files, a runner for child-process clients, and the closing checks every suite makes (no key in the
 * proxy's logs or HAR; the matrix matches its committed file).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';

import {
  checkMatrix,
  Matrix,
  removeDir,
  startHarness,
  type Expect,
  type Harness,
  type MatrixRow,
} from './harness';

export const MiB = 1024 * 1024;
export const KEY_ID = 'cn-north-4:0b2a0a0e53f0422f8bd7f1ed2d4b3a3e:key/4f1cd4de-ab64-4807-920a-47fc42e7f0d0';
export const b64 = (k: Buffer): string => k.toString('base64');
export const md5 = (k: Buffer): string => createHash('md5').update(k).digest('base64');

/** A suite's state, filled in by its `beforeAll`. */
export interface Suite {
  h: Harness;
  matrix: Matrix;
  /** Two keys and a 16-byte one, distinct per suite. */
  keys: { a: Buffer; b: Buffer; short: Buffer };
  /** The same, and a 1-byte and a 6 MiB body, as files (for CLI clients). */
  files: Record<'small' | 'big' | 'key' | 'keyB' | 'short', string>;
}

/** Sets up a suite named `name` (its matrix is test/clients/matrix/<name>.json). */
export function useSuite(name: string): Suite {
  const a = createHash('sha256').update(`${name} key A`).digest();
  const s = {
    keys: { a, b: createHash('sha256').update(`${name} key B`).digest(), short: a.subarray(0, 16) },
  } as Suite;
  beforeAll(async () => {
    s.h = await startHarness();
    s.matrix = new Matrix(s.h);
    const file = (f: string) => join(s.h.dir, f);
    s.files = {
      small: file('small'),
      big: file('big'),
      key: file('key'),
      keyB: file('keyB'),
      short: file('short'),
    };
    writeFileSync(s.files.small, 'x');
    writeFileSync(s.files.big, Buffer.alloc(6 * MiB, 5));
    writeFileSync(s.files.key, s.keys.a);
    writeFileSync(s.files.keyB, s.keys.b);
    writeFileSync(s.files.short, s.keys.short);
  });
  afterAll(async () => {
    await s.h.stop();
    removeDir(s.h);
  });
  return s;
}

/** Whether `text` holds one of the suite's keys, in base64 or percent-encoded base64. */
export function leaks(s: Suite, text: string): boolean {
  return Object.values(s.keys).some(
    (k) => text.includes(b64(k)) || text.includes(encodeURIComponent(b64(k))),
  );
}

/**
 * The closing checks, after every other test of the file: no key in the proxy's log lines or HAR (lines and
 * entries whose URL matches `exceptUrl` left out), and the drift check of the matrix.
 */
export function finishSuite(name: string, s: Suite, exceptUrl?: RegExp): void {
  describe('the run', () => {
    // The HAR is complete once the proxy has stopped.
    beforeAll(() => s.h.stop());

    test('no customer key in the proxy’s logs or HAR', () => {
      const har = JSON.parse(readFileSync(s.h.harFile, 'utf8')) as {
        log: { entries: { request: { url: string } }[] };
      };
      const keep = (url: unknown): boolean => !exceptUrl?.test(String(url));
      const entries = har.log.entries.filter((e) => keep(e.request.url));
      expect(entries.length).toBeGreaterThan(4);
      expect(leaks(s, JSON.stringify(entries) + JSON.stringify(s.h.logs.filter((l) => keep(l.url))))).toBe(
        false,
      );
    });

    test(`the matrix matches test/clients/matrix/${name}.json`, () => {
      checkMatrix(name, s.matrix.rows);
    });
  });
}

/** The step function of one client: records each step in the suite's matrix. */
export function stepper(s: Suite, client: string, version: () => string) {
  return (
    operation: string,
    sse: string,
    expected: Expect,
    fn: () => Promise<unknown>,
    note?: string,
  ): Promise<MatrixRow> =>
    s.matrix.step({ client, version: version(), operation, sse, ...(note ? { note } : {}) }, expected, fn);
}

/** The version of an installed npm package. */
export function packageVersion(pkg: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string })
    .version;
}

/** An HTTPS agent trusting the suite's private CA (for the JS clients), made and destroyed with the suite. */
export function useCaAgent(s: Suite): { agent: https.Agent } {
  const holder = {} as { agent: https.Agent };
  beforeAll(() => {
    holder.agent = new https.Agent({ ca: s.h.pki.caPem, keepAlive: true });
  });
  afterAll(() => holder.agent.destroy());
  return holder;
}

/** Runs a client (asynchronously: the proxy and stand-in share this process); rejects with its stderr tail. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 * MiB },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${cmd} ${args[0]}: ${stderr.slice(-500)}`)) : resolve(stdout),
    );
  });
}
