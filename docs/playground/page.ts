/**
 * The playground's page script: reads the paste (./input.ts), detects the operation with the package's own
 * `classify`, judges the headers with `validateHeaders`, and shows each diagnostic with its code's summary
 * and help from rules/codes.json. Everything runs in the page; nothing is fetched.
 */
import {
  classify,
  getChecker,
  OPERATIONS,
  type Diagnostic,
  type Direction,
  type Operation,
  type Scheme,
} from '../../src/core';
import { readPaste, type PastedMessage } from './input';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = $<HTMLTextAreaElement>('input');
const operationSelect = $<HTMLSelectElement>('operation');
const directionSelect = $<HTMLSelectElement>('direction');
const schemeSelect = $<HTMLSelectElement>('scheme');
const entryInput = $<HTMLInputElement>('entry');
const summary = $('summary');
const results = $('results');

// Not the key whose MD5 the example sends (codes.json's sse-c/md5-mismatch example).
const KEY = 'K7QkYpBkM5+hca27fsNkUnNVaobncnLht/rCB2o/9Cw=';
export const EXAMPLES: Record<string, string> = {
  'curl, SSE-C with a wrong MD5': `curl -X PUT https://bucket.obs.cn-north-4.myhuaweicloud.com/photos/cat.jpg \\
  -H 'x-obs-server-side-encryption-customer-algorithm: AES256' \\
  -H 'x-obs-server-side-encryption-customer-key: ${KEY}' \\
  -H 'x-obs-server-side-encryption-customer-key-MD5: 4XvB3tbNTN+tIEVa0/fGaQ==' \\
  -T cat.jpg`,
  'headers, misspelt SSE-KMS': `PUT /bucket/report.pdf HTTP/1.1
Host: obs.cn-north-4.myhuaweicloud.com
x-obs-server-side-encryption: KMS
x-obs-server-side-encryption-kms-keyid: 4f1cd4de-ab64-4807-920a-47fc42e7f0d0`,
  'HAR entry, S3 dialect GetObject': JSON.stringify(
    {
      request: {
        method: 'GET',
        url: 'https://bucket.obs.cn-north-4.myhuaweicloud.com/doc.txt',
        headers: [{ name: 'x-amz-server-side-encryption', value: 'aws:kms' }],
      },
      response: { status: 200, headers: [] },
    },
    null,
    2,
  ),
};

function option(select: HTMLSelectElement, value: string, label = value): void {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  select.append(o);
}

function element(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The operation to judge: the one picked, or the one classify finds, with a line saying how it was chosen. */
function chooseOperation(msg: PastedMessage): { operation?: Operation; how: string; scheme?: Scheme } {
  const picked = operationSelect.value;
  let detected: ReturnType<typeof classify> | undefined;
  if (msg.method && msg.url) detected = classify({ method: msg.method, url: msg.url, headers: msg.request });
  const scheme = detected?.scheme;
  if (picked !== 'detect') return { operation: picked as Operation, how: `${picked} (picked)`, scheme };
  if (!detected) return { how: 'no request line or URL to detect the operation from: pick one', scheme };
  if (detected.kind === 'skipped') return { how: `not checked: ${detected.detail}`, scheme };
  return {
    operation: detected.operation,
    how: `${detected.operation} (detected from ${msg.method} ${msg.url})`,
    scheme,
  };
}

function explain(d: Diagnostic): HTMLElement {
  const code = getChecker().rules.codes[d.code];
  const item = element('li', `diagnostic ${d.severity}`);
  const head = element('div', 'head');
  head.append(element('span', 'severity', d.severity), element('code', 'code', d.code));
  if (d.header) head.append(element('code', 'header', d.header));
  item.append(head, element('p', 'message', d.message));
  if (code) item.append(element('p', 'why', `${code.summary} ${code.help}`));
  return item;
}

function render(): void {
  const msg = readPaste(input.value, Math.max(0, Number(entryInput.value) - 1 || 0));
  const { operation, how, scheme: detectedScheme } = chooseOperation(msg);
  const wanted = directionSelect.value;
  const direction: Direction =
    wanted === 'request' || wanted === 'response'
      ? wanted
      : msg.request.length === 0 && msg.response?.length
        ? 'response'
        : 'request';
  const headers = direction === 'response' ? (msg.response ?? []) : msg.request;
  const scheme = schemeSelect.value === 'auto' ? detectedScheme : (schemeSelect.value as Scheme);
  summary.replaceChildren();
  results.replaceChildren();
  const lines = [
    `Read as ${msg.format}; ${headers.length} ${direction} header(s).`,
    `Operation: ${how}.`,
    ...msg.notes,
  ];
  if (scheme) lines.push(`Transport: ${scheme}.`);
  for (const line of lines) summary.append(element('p', 'note', line));
  if (!operation) return;
  const result = getChecker().validate({ operation, direction, headers, ...(scheme ? { scheme } : {}) });
  const verdict = result.valid
    ? result.diagnostics.length
      ? 'Valid, with notes.'
      : 'Valid: no diagnostics.'
    : 'Invalid: OBS would refuse or mis-handle this.';
  summary.append(
    element('p', `verdict ${result.valid ? 'valid' : 'invalid'}`, `${verdict} (dialect ${result.dialect})`),
  );
  results.append(...result.diagnostics.map(explain));
}

option(operationSelect, 'detect', 'detect from the request');
for (const op of OPERATIONS) option(operationSelect, op);
const examples = $<HTMLSelectElement>('examples');
option(examples, '', 'examples…');
for (const name of Object.keys(EXAMPLES)) option(examples, name);
examples.addEventListener('change', () => {
  if (examples.value) input.value = EXAMPLES[examples.value]!;
  examples.value = '';
  render();
});
for (const control of [input, operationSelect, directionSelect, schemeSelect, entryInput]) {
  control.addEventListener('input', render);
}
input.value = EXAMPLES['curl, SSE-C with a wrong MD5']!;
render();
document.body.dataset.ready = 'true';
