/**
 * Proxy HARs keep what the key checks found (issue 12, item 5): the HAR redacts every customer key, so the proxy
 * records per key header its decoded length, whether its MD5 matched and the codes raised (`_obsSse`), and
 * `obs-sse lint` reports them. Linting a report-mode HAR gives the findings the live proxy logged, and neither
 * the HAR nor the lint output holds a key.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

import { keyChecksOf } from '../../src/inspect/key-facts';
import { checkerFor } from '../../src/inspect/report';
import { fileInput, lint } from '../../src/lint';
import { harEntryToExchange } from '../../src/traffic/har';
import { removeDir, startHarness, type Harness } from '../clients/harness';
import { formBytes } from '../support/post-form';

const KEY = createHash('sha256').update('har key checks A').digest();
const KEY_B = createHash('sha256').update('har key checks B').digest();
const SHORT = KEY.subarray(0, 16);
const b64 = (k: Buffer): string => k.toString('base64');
const md5 = (k: Buffer): string => createHash('md5').update(k).digest('base64');
const triple = (p: 'obs' | 'amz', key: string, keyMd5: string, copy = false): Record<string, string> => {
  const pre = `x-${p}-${copy ? 'copy-source-' : ''}server-side-encryption-customer-`;
  return { [`${pre}algorithm`]: 'AES256', [`${pre}key`]: key, [`${pre}key-MD5`]: keyMd5 };
};

describe('keyChecksOf: the conclusions, never the key', () => {
  const checks = (headers: Record<string, string>) =>
    keyChecksOf(Object.entries(headers), checkerFor(undefined));

  test.each([
    ['a good key', triple('amz', b64(KEY), md5(KEY)), { keyBytes: 32, md5Matches: true, codes: [] }],
    [
      'a 16-byte key with its MD5',
      triple('amz', b64(SHORT), md5(SHORT)),
      { keyBytes: 16, md5Matches: true, codes: ['sse-c/invalid-key'] },
    ],
    [
      'the MD5 of another key',
      triple('obs', b64(KEY), md5(KEY_B)),
      { keyBytes: 32, md5Matches: false, codes: ['sse-c/md5-mismatch'] },
    ],
    ['a key that is not base64', triple('obs', 'not base64!', md5(KEY)), { codes: ['sse-c/invalid-key'] }],
    [
      'a key without its MD5',
      { 'x-amz-server-side-encryption-customer-key': b64(KEY) },
      { keyBytes: 32, codes: [] },
    ],
  ])('%s', (_name, headers, expected) => {
    const [c] = checks(headers);
    expect(c).toEqual({ header: expect.stringMatching(/-customer-key$/) as unknown, ...expected });
    expect(JSON.stringify(c)).not.toContain(b64(KEY));
  });

  test('target and copy-source keys each get their own record', () => {
    const r = checks({
      ...triple('amz', b64(KEY), md5(KEY)),
      ...triple('amz', b64(SHORT), md5(SHORT), true),
    });
    expect(r.map((c) => [c.header, c.codes])).toEqual([
      ['x-amz-server-side-encryption-customer-key', []],
      ['x-amz-copy-source-server-side-encryption-customer-key', ['sse-c/invalid-key']],
    ]);
  });
});

describe('the HAR reader reads _obsSse, and names what is wrong with it', () => {
  const entry = (obsSse: unknown) => ({
    request: { method: 'PUT', url: 'https://h/b/k', headers: [] },
    _obsSse: obsSse,
  });
  test('a record', () => {
    const ex = harEntryToExchange(
      entry({
        keyChecks: [
          { header: 'X-Amz-Server-Side-Encryption-Customer-Key', keyBytes: 16, codes: ['sse-c/invalid-key'] },
        ],
      }),
      0,
    );
    expect(ex.keyChecks).toEqual([
      { header: 'x-amz-server-side-encryption-customer-key', keyBytes: 16, codes: ['sse-c/invalid-key'] },
    ]);
  });
  test.each([
    [{}, '_obsSse.keyChecks must be an array'],
    [{ keyChecks: [{ codes: [] }] }, '_obsSse.keyChecks[0] must be an object with a string header'],
    [{ keyChecks: [{ header: 'h', codes: 'x' }] }, '_obsSse.keyChecks[0].codes must be an array of strings'],
    [
      { keyChecks: [{ header: 'h', codes: [], keyBytes: -1 }] },
      '_obsSse.keyChecks[0].keyBytes must be a non-negative integer',
    ],
    [
      { keyChecks: [{ header: 'h', codes: [], md5Matches: 'yes' }] },
      '_obsSse.keyChecks[0].md5Matches must be a boolean',
    ],
    [
      { keyChecks: new Array(9).fill({ header: 'h', codes: [] }) },
      '_obsSse.keyChecks has 9 items; at most 8',
    ],
  ])('%j', (obsSse, message) => {
    expect(() => harEntryToExchange(entry(obsSse), 0)).toThrow(message);
  });
});

describe('a report-mode proxy HAR lints to the live findings', () => {
  let h: Harness;
  let agent: Agent;
  let har = '';
  beforeAll(async () => {
    h = await startHarness(['--mode', 'report']);
    agent = new Agent({ connect: { ca: h.pki.caPem } });
    const send = async (
      method: string,
      path: string,
      headers: Record<string, string>,
      body?: Buffer | string,
    ) => {
      const r = await request(`${h.endpoint}${path}`, { method, headers, body, dispatcher: agent });
      await r.body.text();
    };
    await send('PUT', '/hk/', {});
    await send('PUT', '/hk/good', triple('amz', b64(KEY), md5(KEY)), 'x');
    await send('PUT', '/hk/short', triple('amz', b64(SHORT), md5(SHORT)), 'x');
    await send('PUT', '/hk/mismatch', triple('amz', b64(KEY), md5(KEY_B)), 'x');
    await send('PUT', '/hk/not-base64', triple('obs', 'not base64!', md5(KEY)), 'x');
    await send('PUT', '/hk/copy', {
      'x-amz-copy-source': '/hk/good',
      ...triple('amz', b64(SHORT), md5(KEY), true),
      ...triple('amz', b64(KEY), md5(KEY)),
    });
    await send('GET', '/hk/good', triple('obs', b64(KEY), md5(KEY_B)));
    const form = await formBytes([
      ['key', 'posted'],
      ...Object.entries(triple('obs', b64(SHORT), md5(SHORT))),
    ]);
    await send('POST', '/hk/', { 'content-type': form.type }, form.bytes);
    await h.stop();
    har = readFileSync(h.harFile, 'utf8');
  });
  afterAll(async () => {
    await agent.close();
    await h.stop();
    removeDir(h);
  });

  test('every entry lints to the codes, severities and headers the proxy logged for its request', async () => {
    const live = h.logs
      .filter((l) => l.event === 'exchange')
      .map((l) =>
        ((l.diagnostics ?? []) as { code: string; severity: string; header?: string }[])
          .map((d) => `${d.severity} ${d.code} ${d.header ?? ''}`)
          .sort(),
      );
    const linted = await lint([fileInput(h.harFile, 'proxy.har')], {});
    expect(linted.inputErrors).toEqual([]);
    const byEntry = live.map((_, i) =>
      linted.findings
        .filter((f) => f.entry === i && f.direction === 'request')
        .map((f) => `${f.severity} ${f.code} ${f.header ?? ''}`)
        .sort(),
    );
    expect(byEntry).toEqual(live);
    // The cases are there: without _obsSse the linter would miss each of these.
    const all = live.flat();
    for (const c of [
      'sse-c/invalid-key x-amz-server-side-encryption-customer-key',
      'sse-c/md5-mismatch x-amz-server-side-encryption-customer-key-md5',
      'sse-c/invalid-key x-obs-server-side-encryption-customer-key',
      'sse-c/invalid-key x-amz-copy-source-server-side-encryption-customer-key',
      'sse-c/md5-mismatch x-obs-server-side-encryption-customer-key-md5',
    ]) {
      expect(all).toContain(`error ${c}`);
    }
  });

  test('the HAR carries the conclusions, and no key', () => {
    const entries = (JSON.parse(har) as { log: { entries: { _obsSse?: { keyChecks: unknown[] } }[] } }).log
      .entries;
    expect(entries.filter((e) => e._obsSse).length).toBe(7);
    for (const k of [KEY, KEY_B, SHORT]) expect(har).not.toContain(b64(k));
  });
});
