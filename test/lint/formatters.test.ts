/** src/formatters: each format's structure, checked by hand (there is no network for schemas). */
import { Readable } from 'node:stream';
import { json, junit, sarif, stylish } from '../../src/formatters';
import { getChecker } from '../../src';
import { lint, streamInput, type LintResult } from '../../src/lint';
import { H } from '../helpers';

const HOST = 'https://photos.obs.cn-north-4.myhuaweicloud.com';
const ndjson = [
  {
    method: 'PUT',
    url: `${HOST}/a.bin`,
    requestHeaders: { [H.sse]: 'KMS' },
    status: 200,
    responseHeaders: {},
  },
  {
    method: 'PUT',
    url: `${HOST}/<b>&"c".bin`,
    requestHeaders: {
      [H.sse]: 'kms',
      [H.kmsKey]: 'not a key id',
      'x-obs-sse-kms-key-project-id': '0b2a0a0e53f0422f8bd7f1ed2d4b3a3e',
    },
  },
  { method: 'GET', url: `${HOST}/?acl`, requestHeaders: {} },
  { method: 'DELETE', url: `${HOST}/a.bin`, requestHeaders: { [H.sse]: 'kms' } },
]
  .map((o) => JSON.stringify(o))
  .concat('{not json')
  .join('\n');
const harText = JSON.stringify({
  log: {
    version: '1.2',
    entries: [
      {
        request: { method: 'PUT', url: `${HOST}/h.bin`, headers: [{ name: 'Content-Length', value: '0' }] },
        response: { status: 200, headers: [] },
      },
      {
        request: { method: 'PUT', url: `${HOST}/h.bin`, headers: [{ name: H.cAlg, value: 'AES128' }] },
        response: { status: 0, headers: [] },
      },
    ],
  },
});

let result: LintResult;
let clean: LintResult;
beforeAll(async () => {
  const input = (name: string, text: string) => streamInput(Readable.from([Buffer.from(text)]), name);
  result = await lint([input('gateway.ndjson', ndjson), input('dir/session.har', harText)], {
    keepExchanges: true,
  });
  clean = await lint([input('ok.ndjson', ndjson.split('\n')[2] ?? '')]);
});

it('has the findings these tests rely on', () => {
  expect(result.findings.map((f) => `${f.file}:${f.entry}:${f.code}`)).toEqual([
    'gateway.ndjson:0:value/not-allowed',
    'gateway.ndjson:1:sse-kms/invalid-key-id',
    'gateway.ndjson:1:sse-kms/project-id-unlisted',
    'gateway.ndjson:3:operation/unlisted-sse',
    'dir/session.har:1:value/not-allowed',
    'dir/session.har:1:sse-c/incomplete',
    'dir/session.har:1:sse-c/incomplete',
  ]);
  expect(result.inputErrors).toHaveLength(1);
});

describe('stylish', () => {
  it('groups by file and exchange, one line per diagnostic, then input errors and a summary', () => {
    const text = stylish(result);
    expect(text).not.toContain('\u001b[');
    const lines = text.split('\n');
    expect(lines[0]).toBe('gateway.ndjson');
    expect(lines[1]).toBe(`  line 1  PUT ${HOST}/a.bin (PutObject)`);
    expect(lines[2]).toMatch(
      /^ {4}request {2}error {3}value\/not-allowed +"?x-obs-server-side-encryption: "KMS" is not allowed/,
    );
    expect(text).toMatch(/\n {2}line 5, column 2 {2}error {3}input +line 5, column 2: invalid JSON/);
    expect(text).toContain('dir/session.har\n  entry 1  PUT');
    expect(text).toContain(
      '✖ 7 problems (5 errors, 2 warnings) in 6 exchanges: 4 checked, 2 skipped (1 bucket-subresource, 1 other-operation), from 2 files; 1 input error',
    );
    expect(text).toContain('What the codes mean:\n  value/not-allowed');
  });

  it('colours severities only when asked', () => {
    const text = stylish(result, { color: true });
    expect(text).toContain('\u001b[31merror  \u001b[39m');
    expect(text).toContain('\u001b[33mwarning\u001b[39m');
  });

  it('says so when there is nothing to report', () => {
    expect(stylish(clean)).toBe(
      '✔ No problems in 1 exchange: 0 checked, 1 skipped (1 bucket-subresource), from 1 file\n',
    );
  });
});

describe('json', () => {
  it('has a stable shape: every finding has every key', () => {
    const doc = JSON.parse(json(result, { version: '9.9.9' })) as Record<string, unknown>;
    // Streamed: what is known only at the end (input errors, per-file counts, the summary) comes last.
    expect(Object.keys(doc)).toEqual([
      'formatVersion',
      'tool',
      'findings',
      'inputErrors',
      'files',
      'summary',
    ]);
    expect(doc.tool).toEqual({ name: 'obs-sse', version: '9.9.9' });
    const findings = doc.findings as Record<string, unknown>[];
    for (const f of findings) {
      expect(Object.keys(f)).toEqual([
        'file',
        'entry',
        'line',
        'operation',
        'direction',
        'code',
        'severity',
        'header',
        'message',
        'method',
        'url',
      ]);
    }
    expect(findings[4]).toMatchObject({ file: 'dir/session.har', entry: 1, line: null, header: H.cAlg });
    expect(doc.summary).toMatchObject({
      files: 2,
      exchanges: 6,
      checked: 4,
      skipped: { 'bucket-subresource': 1, 'other-operation': 1 },
      errors: 5,
      warnings: 2,
      infos: 0,
      inputErrors: 1,
      findingsOmitted: 0,
      inputErrorsOmitted: 0,
    });
    expect(doc.inputErrors).toEqual([
      {
        file: 'gateway.ndjson',
        entry: 4,
        line: 5,
        column: 2,
        offset: expect.any(Number),
        message: expect.stringMatching(/^line 5, column 2: invalid JSON/),
      },
    ]);
  });
});

describe('sarif', () => {
  type Obj = Record<string, unknown>;
  const doc = (): Obj => JSON.parse(sarif(result, { version: '1.2.3' })) as Obj;
  const LEVELS = ['none', 'note', 'warning', 'error'];

  it('is a SARIF 2.1.0 log with one run whose driver lists every code as a rule', () => {
    const log = doc();
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const runs = log.runs as Obj[];
    expect(runs).toHaveLength(1);
    const driver = (runs[0]?.tool as Obj).driver as Obj;
    expect(driver).toMatchObject({ name: 'obs-sse', version: '1.2.3' });
    const rules = driver.rules as Obj[];
    const codes = getChecker().rules.codes;
    expect(rules.map((r) => r.id)).toEqual(Object.keys(codes));
    for (const r of rules) {
      const def = codes[r.id as string]!;
      expect(r.shortDescription).toEqual({ text: def.summary });
      expect(r.fullDescription).toEqual({ text: def.help });
      expect((r.help as Obj).text).toContain(def.help);
      expect(LEVELS).toContain((r.defaultConfiguration as Obj).level);
      expect((r.defaultConfiguration as Obj).level).toBe(def.severity === 'info' ? 'note' : def.severity);
    }
  });

  it('has a result per finding, pointing at its rule and at the entry in the input', () => {
    const run = (doc().runs as Obj[])[0] as Obj;
    const rules = ((run.tool as Obj).driver as Obj).rules as Obj[];
    const results = run.results as Obj[];
    expect(results).toHaveLength(result.findings.length);
    results.forEach((r, i) => {
      const f = result.findings[i]!;
      expect(r.ruleId).toBe(f.code);
      expect(rules[r.ruleIndex as number]?.id).toBe(f.code);
      expect(LEVELS).toContain(r.level);
      expect((r.message as Obj).text).toBe(f.message);
      const loc = (r.locations as Obj[])[0] as Obj;
      const physical = loc.physicalLocation as Obj;
      expect((physical.artifactLocation as Obj).uri).toBe(f.file);
      if (f.line !== undefined) expect(physical.region).toEqual({ startLine: f.line });
      else
        expect(loc.logicalLocations).toEqual([
          { name: `entry ${f.entry}`, fullyQualifiedName: `log.entries[${f.entry}]`, kind: 'object' },
        ]);
    });
    expect(results[2]?.level).toBe('warning');
  });

  it('reports input errors as tool notifications of an unsuccessful invocation', () => {
    const run = (doc().runs as Obj[])[0] as Obj;
    const inv = (run.invocations as Obj[])[0] as Obj;
    expect(inv.executionSuccessful).toBe(false);
    const n = (inv.toolExecutionNotifications as Obj[])[0] as Obj;
    expect(n.level).toBe('error');
    expect(((n.locations as Obj[])[0]?.physicalLocation as Obj).region).toEqual({
      startLine: 5,
      startColumn: 2,
    });
    const ok = (JSON.parse(sarif(clean)) as Obj).runs as Obj[];
    expect(((ok[0]?.invocations as Obj[])[0] as Obj).executionSuccessful).toBe(true);
  });
});

/** Checks that tags nest and close, and that text and attributes hold no raw markup characters. */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (let m = token.exec(body); m; m = token.exec(body)) {
    const [, close, name, attrs, selfClose, text, stray] = m;
    if (stray) problems.push(`stray '<' at ${m.index}`);
    else if (text !== undefined) {
      if (/&(?!(?:amp|lt|gt|quot|apos);)/.test(text) || text.includes('>'))
        problems.push(`raw markup in text at ${m.index}`);
    } else if (close) {
      if (stack.pop() !== name) problems.push(`</${name}> closes nothing at ${m.index}`);
    } else {
      if (/&(?!(?:amp|lt|gt|quot|apos);)/.test(attrs ?? ''))
        problems.push(`raw & in attributes at ${m.index}`);
      if (!selfClose) stack.push(name as string);
    }
  }
  if (stack.length) problems.push(`unclosed ${stack.join(', ')}`);
  return problems;
}

it('the XML check rejects what it should', () => {
  expect(xmlProblems('<a><b></a>')).not.toEqual([]);
  expect(xmlProblems('<a x="1 & 2"/>')).not.toEqual([]);
  expect(xmlProblems('<a>1 < 2</a>')).not.toEqual([]);
  expect(xmlProblems('<a>')).not.toEqual([]);
  expect(xmlProblems('<?xml version="1.0"?>\n<a x="&amp;"><b/>t &lt; u</a>')).toEqual([]);
});

describe('junit', () => {
  it('is well-formed XML with a suite per file and a case per exchange', () => {
    const xml = junit(result);
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="obs-sse lint" tests="7" failures="3" errors="1" skipped="2">/,
    );
    expect(xml).toContain('<testsuite name="gateway.ndjson" tests="5" failures="2" errors="1" skipped="2">');
    expect(xml).toContain('<testsuite name="dir/session.har" tests="2" failures="1" errors="0" skipped="0">');
    expect(xml).toContain(`name="line 2 PUT ${HOST}/&lt;b&gt;&amp;&quot;c&quot;.bin (PutObject)"`);
  });

  it('fails a case for errors, keeps warnings in its output, and skips unchecked exchanges', () => {
    const xml = junit(result);
    expect(xml).toMatch(
      /<testcase [^>]*name="line 2 [^"]*">\n {6}<failure message="[^"]*" type="sse-kms\/invalid-key-id">[^<]*<\/failure>\n {6}<system-out>request warning sse-kms\/project-id-unlisted/,
    );
    expect(xml).toMatch(
      /<testcase [^>]*name="line 3 GET [^"]*">\n {6}<skipped message="bucket-subresource: [^"]*"\/>/,
    );
    expect(xml).toMatch(
      /<testcase [^>]*name="line 4 DELETE [^"]*">\n {6}<skipped message="other-operation: [^"]*"\/>\n {6}<system-out>request warning operation\/unlisted-sse/,
    );
    expect(xml).toMatch(
      /<testcase classname="gateway.ndjson" name="input line 5, column 2">\n {6}<error message="line 5, column 2: invalid JSON/,
    );
    expect(xml).toMatch(/<testcase classname="dir\/session.har" name="entry 0 PUT [^"]*"\/>/);
  });

  it('lists only exchanges with findings when the exchanges were not kept', () => {
    const xml = junit({ ...result, exchanges: undefined });
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml.match(/<testcase /g)).toHaveLength(5);
  });
});
