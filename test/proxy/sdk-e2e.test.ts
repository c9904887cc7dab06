/**
 * End to end with the real official SDK (esdk-obs-nodejs): SDK -> `obs-sse proxy` (plain HTTP on
 * 127.0.0.1, enforce mode, --har) -> the stand-in over HTTPS with a private CA, in the OBS dialect
 * (virtual-hosted) and the S3 dialect (path-style). The proxy is started through the same entry as the
 * CLI (`startProxyCommand`), with the engine-backed guard.
 *
 * - Correct SDK calls reach the stand-in with their SSE headers unchanged; the only ones stopped are
 *   those where the SDK itself builds a wrong request (docs/sdk-notes.md), each with the code naming it.
 * - Wrongly built requests are answered 400 with an OBS-style XML body naming the code and never
 *   reach the stand-in. So is a multipart part under another key than its upload's.
 * - The HAR lints to the same findings the proxy acted on, and no key or credential is anywhere.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fileInput, lint, type Finding } from '../../src/lint';
import { startProxyCommand } from '../../src/proxy/command';
import { parseProxyArgs } from '../../src/proxy/main';
import type { ProxyExchange } from '../../src/proxy/types';
import { redactHeaders, redactUrl } from '../../src/redact';
import { startStandin, type RecordedExchange, type Standin } from '../../src/standin/server';
import {
  ALL_CUSTOMER_KEYS_B64,
  openSdk,
  runScenarios,
  SCENARIOS,
  TEST_CUSTOMER_KEY,
  TEST_CUSTOMER_KEY_2,
  type ScenarioResult,
  type SdkResult,
} from '../support/sdk';
import { makePki, type TestPki } from '../../src/standin/tls';

type Mode = 'obs' | 's3';
const MODES: Mode[] = ['obs', 's3'];

interface Run {
  results: ScenarioResult[];
  exchanges: ProxyExchange[];
  logs: Array<Record<string, unknown>>;
  /** What the stand-in received while this mode ran. */
  received: RecordedExchange[];
  harFile: string;
  harText: string;
  findings: Finding[];
  /** The hand-driven multipart upload: initiate, a part under another key, the right part, complete. */
  multipart: { otherKey?: SdkResult; rightKey?: SdkResult; complete?: SdkResult; uploadId?: string };
  /** A wrongly built PutObject, to read the message the SDK surfaces. */
  wrongPut?: SdkResult;
}

/** Requests the SDK itself builds wrongly from correct parameters (docs/sdk-notes.md), and what stops them. */
const SDK_DEFECTS: Record<Mode, Record<string, string[]>> = {
  // Defect 1: uploadFile drops the SSE-C algorithm from the initiate.
  obs: { 'upload-file-sse-c': ['sse-c/incomplete'] },
  s3: {
    'upload-file-sse-c': ['sse-c/incomplete'],
    // Defect 3: aws:AES256 for SSE-OBS.
    'put-sse-obs': ['value/not-allowed'],
    // Defect 4: the KMS key id under the wrong name on AppendObject.
    'append-kms': ['header/unknown'],
  },
};

/** The code that names each wrong scenario's mistake. */
const WRONG: Record<string, (mode: Mode) => string> = {
  'wrong-sse-c-16-byte-key': () => 'sse-c/invalid-key',
  'wrong-sse-c-base64-key': () => 'sse-c/invalid-key',
  'wrong-sse-c-aes128': () => 'value/not-allowed',
  'wrong-sse-c-with-kms': () => 'sse/conflicting-methods',
  // In the S3 dialect the SDK sends aws:AES256, wrong before the key id is (defect 3).
  'wrong-kms-key-with-aes256': (mode) =>
    mode === 'obs' ? 'sse-kms/key-id-requires-kms' : 'value/not-allowed',
  'wrong-sse-obs-spelling': () => 'value/not-allowed',
  'wrong-kms-uppercase': () => 'value/not-allowed',
  'wrong-kms-key-without-sse': () => 'sse-kms/key-id-requires-kms',
  'wrong-sse-c-key-without-algorithm': () => 'sse-c/incomplete',
  'wrong-upload-part-without-sse-c': () => 'session/key-mismatch',
};

// Every spelling in which a key could leak: plain base64 and percent-encoded.
const FORBIDDEN = ALL_CUSTOMER_KEYS_B64.flatMap((k) => [k, encodeURIComponent(k)]);
const containsAKey = (text: string): boolean => FORBIDDEN.some((k) => text.includes(k));
const md5 = (b64: string): string => createHash('md5').update(Buffer.from(b64, 'base64')).digest('base64');
const isSse = (name: string): boolean => /^x-(obs|amz)-/i.test(name);
const keyHeader = /^x-(obs|amz)-(copy-source-)?server-side-encryption-customer-key$/i;

let dir: string;
let pki: TestPki;
let standin: Standin;
const runs = new Map<Mode, Run>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-proxy-sdk-'));
  // OBS mode is virtual-hosted: every bucket the scenarios touch is a TLS name of its own.
  const buckets = [
    'sse-obs',
    'sse-obs-dropped',
    'sse-obs-kms',
    'sse-obs-kms-key',
    'sse-obs-sm4',
    'sse-obs-obs',
  ];
  pki = makePki(buckets.map((b) => `${b}.localhost`));
  standin = await startStandin({ tls: pki.tls });
  for (const mode of MODES) {
    const harFile = join(dir, `${mode}.har`);
    const exchanges: ProxyExchange[] = [];
    const logs: Array<Record<string, unknown>> = [];
    const from = standin.exchanges.length;
    const upstream = `https://${mode === 'obs' ? 'localhost' : '127.0.0.1'}:${standin.port}`;
    const command = await startProxyCommand(
      parseProxyArgs([
        '--listen',
        '127.0.0.1:0',
        '--upstream',
        upstream,
        '--upstream-ca',
        pki.caFile,
        '--addressing',
        mode === 'obs' ? 'virtual' : 'path',
        '--har',
        harFile,
      ]),
      {
        signals: false,
        log: (l) => logs.push(l as Record<string, unknown>),
        onExchange: (e) => exchanges.push(e),
      },
    );
    const port = command.address.port;
    const run: Run = {
      results: [],
      exchanges,
      logs,
      received: [],
      harFile,
      harText: '',
      findings: [],
      multipart: {},
    };
    try {
      run.results = await runScenarios({ port, mode }, { recorded: exchanges });
      const sdk = await openSdk({ port, mode });
      try {
        const c = sdk.client;
        const bucket = `sse-${mode}`;
        const key = 'proxy-mpu.bin';
        const sseC = (k: Buffer): Record<string, unknown> => ({ SseC: 'AES256', SseCKey: k });
        const init = await c.initiateMultipartUpload({
          Bucket: bucket,
          Key: key,
          ...sseC(TEST_CUSTOMER_KEY),
        });
        const uploadId = init.InterfaceResult?.UploadId as string;
        run.multipart.uploadId = uploadId;
        const part = (k: Buffer): Promise<SdkResult> =>
          c.uploadPart({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: 1,
            Body: 'part one',
            ...sseC(k),
          });
        run.multipart.otherKey = await part(TEST_CUSTOMER_KEY_2);
        run.multipart.rightKey = await part(TEST_CUSTOMER_KEY);
        run.multipart.complete = await c.completeMultipartUpload({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          Parts: [{ PartNumber: 1, ETag: run.multipart.rightKey.InterfaceResult?.ETag }],
        });
        run.wrongPut = await c.putObject({
          Bucket: bucket,
          Key: 'wrong-direct.bin',
          Body: 'x',
          SseC: 'AES128',
          SseCKey: TEST_CUSTOMER_KEY,
        });
      } finally {
        sdk.close();
      }
    } finally {
      expect(await command.stop(1000)).toBe(0);
    }
    run.received = standin.exchanges.slice(from);
    run.harText = readFileSync(harFile, 'utf8');
    // The classifier reads {bucket}.localhost as path-style unless told: the proxy was told too.
    const linted = await lint([fileInput(harFile, `${mode}.har`)], {
      addressing: mode === 'obs' ? 'virtual' : 'auto',
    });
    expect(linted.inputErrors).toEqual([]);
    run.findings = linted.findings;
    runs.set(mode, run);
  }
}, 30_000);

afterAll(async () => {
  await standin?.close();
  pki?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const runOf = (mode: Mode): Run => {
  const r = runs.get(mode);
  if (!r) throw new Error(`no run for ${mode}`);
  return r;
};
const scenarioExchanges = (run: Run, id: string): ProxyExchange[] => {
  const s = run.results.find((x) => x.id === id);
  if (!s?.exchanges) throw new Error(`scenario ${id} did not run`);
  return run.exchanges.slice(...s.exchanges);
};
const requestKey = (method: string, url: string): string => `${method} ${url}`;
const blockedCodes = (exchanges: ProxyExchange[]): string[] =>
  [...new Set(exchanges.filter((e) => e.verdict === 'blocked').flatMap((e) => e.codes))].sort();
const errorsIn = (run: Run, id: string): string[] => {
  const s = run.results.find((x) => x.id === id)!;
  const [from, to] = s.exchanges!;
  const codes = run.findings
    .filter((f) => f.entry >= from && f.entry < to && f.severity === 'error' && f.direction === 'request')
    .map((f) => f.code);
  return [...new Set(codes)].sort();
};

describe.each(MODES)('%s dialect through the proxy', (mode) => {
  it('ran every scenario meant for the mode, each exchange logged once and recorded once', () => {
    const run = runOf(mode);
    const expected = SCENARIOS.filter((s) => !s.modes || s.modes.includes(mode)).map((s) => s.id);
    expect(run.results.map((r) => r.id)).toEqual(expected);
    const lines = run.logs.filter((l) => l.event === 'exchange');
    expect(lines).toHaveLength(run.exchanges.length);
    expect((JSON.parse(run.harText) as { log: { entries: unknown[] } }).log.entries).toHaveLength(
      run.exchanges.length,
    );
  });

  it('lets every correct SSE request through, stopping only what the SDK itself builds wrongly', () => {
    const run = runOf(mode);
    const stopped: Record<string, string[]> = {};
    for (const r of run.results) {
      if (r.kind === 'wrong') continue;
      const codes = blockedCodes(scenarioExchanges(run, r.id));
      if (codes.length > 0) {
        stopped[r.id] = codes;
        continue;
      }
      expect({ id: r.id, status: r.status, error: r.error }).toEqual({
        id: r.id,
        status: r.status === 204 ? 204 : 200,
        error: undefined,
      });
    }
    expect(stopped).toEqual(SDK_DEFECTS[mode]);
  });

  it('judges the forms the SDK signs for PostObject on their SSE fields, and records them redacted', () => {
    const run = runOf(mode);
    for (const id of ['post-object-sse-c', 'post-object-kms']) {
      const posts = scenarioExchanges(run, id).filter((e) => e.operation === 'PostObject');
      expect(posts.map((e) => e.verdict)).toEqual(['pass']);
      const fields = (posts[0]!.formFields ?? []).map(([name]) => name);
      expect({ id, sse: fields.filter((n) => n.includes('server-side-encryption')).length > 0 }).toEqual({
        id,
        sse: true,
      });
    }
    const key = TEST_CUSTOMER_KEY.toString('base64');
    expect(run.harText).not.toContain(key);
    const entries = (
      JSON.parse(run.harText) as {
        log: {
          entries: Array<{ request: { postData?: { params?: Array<{ name: string; value: string }> } } }>;
        };
      }
    ).log.entries;
    const keyFields = entries
      .flatMap((e) => e.request.postData?.params ?? [])
      .filter((p) => /customer-key$/.test(p.name));
    expect(keyFields.map((p) => p.value)).toEqual(['[REDACTED]']);
  });

  it('forwards SSE headers byte for byte: the stand-in received exactly what the SDK sent', () => {
    const run = runOf(mode);
    const forwarded = run.exchanges.filter((e) => e.verdict !== 'blocked');
    expect(forwarded.length).toBe(run.received.length);
    // Grouped by request line, k-th with k-th: uploadFile sends its parts concurrently.
    const byRequest = new Map<string, RecordedExchange[]>();
    for (const r of run.received) {
      const k = requestKey(r.method, r.url);
      byRequest.set(k, [...(byRequest.get(k) ?? []), r]);
    }
    let customerKeys = 0;
    for (const sent of forwarded) {
      const got = byRequest.get(requestKey(sent.method, redactUrl(sent.upstreamUrl)))?.shift();
      expect({ request: requestKey(sent.method, sent.url), found: got !== undefined }).toEqual({
        request: requestKey(sent.method, sent.url),
        found: true,
      });
      const sseSent = sent.requestHeaders.filter(([n]) => isSse(n));
      expect(got!.requestHeaders.filter(([n]) => isSse(n))).toEqual(redactHeaders(sseSent));
      // The stand-in keeps no key, only the MD5 of the bytes it decoded: it must be the sent key's.
      for (const [name, value] of sseSent.filter(([n]) => keyHeader.test(n))) {
        const customer = /copy-source/i.test(name) ? got!.sse.copySourceCustomer : got!.sse.customer;
        if (customer?.keyMd5Actual === undefined) continue;
        expect(customer.keyMd5Actual).toBe(md5(value));
        customerKeys++;
      }
    }
    expect(customerKeys).toBeGreaterThan(10);
  });

  it('answers wrongly built requests 400 with an XML body naming the code; the stand-in never sees them', () => {
    const run = runOf(mode);
    const received = new Set(run.received.map((r) => requestKey(r.method, r.url)));
    for (const [id, codeFor] of Object.entries(WRONG)) {
      const r = run.results.find((x) => x.id === id)!;
      const code = codeFor(mode);
      expect({ id, status: r.status, sdkCode: r.code }).toEqual({
        id,
        status: 400,
        sdkCode: 'InvalidArgument',
      });
      const blocked = scenarioExchanges(run, id).filter((e) => e.verdict === 'blocked');
      expect(blocked).toHaveLength(1);
      const ex = blocked[0]!;
      expect(ex.codes).toContain(code);
      expect(ex.status).toBe(400);
      expect(ex.responseText).toMatch(
        /^<\?xml .*<Error><Code>InvalidArgument<\/Code><Message>Blocked by obs-sse proxy/,
      );
      expect(ex.responseText).toContain(code);
      expect(received.has(requestKey(ex.method, redactUrl(ex.upstreamUrl)))).toBe(false);
    }
    // Headers alone cannot tell that an SSE-C object is read without its key: OBS (here the stand-in) says so.
    const get = run.results.find((x) => x.id === 'wrong-get-sse-c-without-key')!;
    expect({ status: get.status, code: get.code }).toEqual({ status: 400, code: 'InvalidRequest' });
    expect(blockedCodes(scenarioExchanges(run, 'wrong-get-sse-c-without-key'))).toEqual([]);
  });

  it('the SDK surfaces the reason: the message names the code and the header, not the value', () => {
    const put = runOf(mode).wrongPut!;
    expect(put.CommonMsg.Status).toBe(400);
    expect(put.CommonMsg.Code).toBe('InvalidArgument');
    const p = mode === 'obs' ? 'x-obs-' : 'x-amz-';
    expect(put.CommonMsg.Message).toContain(
      `value/not-allowed on ${p}server-side-encryption-customer-algorithm`,
    );
    expect(put.CommonMsg.Message).not.toContain('AES128');
  });

  it('blocks a multipart part under another key than its upload, and lets the right one through', () => {
    const run = runOf(mode);
    const { otherKey, rightKey, complete, uploadId } = run.multipart;
    expect(uploadId).toMatch(/\S/);
    expect(otherKey?.CommonMsg.Status).toBe(400);
    expect(otherKey?.CommonMsg.Message).toContain('session/key-mismatch');
    expect(rightKey?.CommonMsg.Status).toBe(200);
    expect(complete?.CommonMsg.Status).toBe(200);
    const parts = run.received.filter((r) => r.operation === 'UploadPart' && r.url.includes(uploadId!));
    expect(parts).toHaveLength(1);
    expect(parts[0]!.sse.customer?.keyMd5Actual).toBe(md5(TEST_CUSTOMER_KEY.toString('base64')));
  });

  it('records a HAR that lints to what the proxy decided: clean for correct requests', () => {
    const run = runOf(mode);
    for (const r of run.results) {
      const lintErrors = errorsIn(run, r.id);
      const proxyErrors = blockedCodes(scenarioExchanges(run, r.id));
      if (r.kind !== 'wrong') {
        expect({ id: r.id, lint: lintErrors }).toEqual({ id: r.id, lint: SDK_DEFECTS[mode][r.id] ?? [] });
      }
      // The HAR holds no key bytes, so key-content codes are the proxy's alone; everything else agrees.
      const keyContent = new Set(['sse-c/invalid-key', 'sse-c/md5-mismatch']);
      expect({ id: r.id, lint: lintErrors }).toEqual({
        id: r.id,
        lint: proxyErrors.filter((c) => !keyContent.has(c) || lintErrors.includes(c)),
      });
    }
  });

  it('never lets a customer key or a credential into the HAR, the logs or an answer', () => {
    const run = runOf(mode);
    const logText = run.logs.map((l) => JSON.stringify(l)).join('\n');
    const answers = run.exchanges.map((e) => e.responseText ?? '').join('\n');
    expect(containsAKey(run.harText)).toBe(false);
    expect(containsAKey(logText)).toBe(false);
    expect(containsAKey(answers)).toBe(false);
    // The keys did travel; redaction, not their absence, keeps them out.
    expect(containsAKey(JSON.stringify(run.exchanges.map((e) => e.requestHeaders)))).toBe(true);
    const signatures = run.exchanges
      .flatMap((e) => e.requestHeaders)
      .filter(([n]) => n.toLowerCase() === 'authorization')
      .map(([, v]) => v.slice(v.lastIndexOf(':') + 1));
    expect(signatures.length).toBeGreaterThan(20);
    for (const sig of new Set(signatures)) {
      expect(run.harText.includes(sig) || logText.includes(sig)).toBe(false);
    }
  });
});

test('transport rules follow the hop to OBS: the same SSE-C request passes to HTTPS and stops before HTTP', async () => {
  const plain = await startStandin();
  const lines: Array<Record<string, unknown>> = [];
  const command = await startProxyCommand(
    parseProxyArgs(['--listen', '127.0.0.1:0', '--upstream', plain.url]),
    { signals: false, log: (l) => lines.push(l as Record<string, unknown>) },
  );
  try {
    const results = await runScenarios(
      { port: command.address.port, mode: 's3' },
      { only: ['create-bucket', 'put-sse-c'] },
    );
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['create-bucket', 200],
      ['put-sse-c', 400],
    ]);
    expect(lines.filter((l) => l.verdict === 'blocked').map((l) => l.codes)).toEqual([
      ['transport/https-required'],
    ]);
    expect(plain.exchanges.map((e) => e.operation)).toEqual(['CreateBucket']);
    // The very same call went through the HTTPS-upstream proxy above, over the same plain-HTTP client hop.
    expect(runOf('s3').results.find((r) => r.id === 'put-sse-c')?.status).toBe(200);
  } finally {
    await command.stop(1000);
    await plain.close();
  }
});
