/** `obs-sse rules` (every code at a glance) and `obs-sse explain <code>` (one code in full). */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { getChecker } from '../engine/default';
import { headerEntries } from '../engine/header-shapes';
import {
  codeCatalogue,
  describeProvenance,
  lint,
  provenanceSummary,
  streamInput,
  type CodeInfo,
} from '../lint';
import type { CodeExample } from '../rules/model';
import { REDACTED, redactHeaders, redactUrl } from '../redact';
import type { Diagnostic } from '../types';
import { oneOf, parse } from './args';
import { createEngineGuard } from '../guard/engine-guard';
import { createGuardCore } from '../guard/core';
import { SharedUploadSessionStore } from '../session-store';
import {
  EXCHANGE_EXAMPLES,
  FORM_EXAMPLE,
  GUARD_FAILURE_EXAMPLES,
  STORE_EXAMPLE,
  type ExampleExchange,
  type RecordedInspectCode,
} from './exchange-examples';
import { EXIT, UsageError, type CliIo } from './io';

/** Usage text of `obs-sse rules`. */
export const RULES_USAGE = `Usage: obs-sse rules [--format text|json]

Lists every diagnostic code with its default severity, summary and where it comes from.
`;

/** Usage text of `obs-sse explain`. */
export const EXPLAIN_USAGE = `Usage: obs-sse explain <code>

Prints one code in full: summary, severity, help, provenance, a valid and an invalid example
(customer keys redacted), and what the invalid example yields.
`;

/** Runs `obs-sse rules`. */
export function rulesCommand(argv: string[], io: CliIo): number {
  const { values, positionals } = parse(
    argv,
    { format: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } } as const,
    RULES_USAGE,
  );
  if (values.help) {
    io.stdout.write(RULES_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, RULES_USAGE);
  const format = oneOf('--format', values.format, ['text', 'json'] as const, RULES_USAGE) ?? 'text';
  const codes = codeCatalogue();
  if (format === 'json') {
    const list = codes.map((c) => ({
      code: c.code,
      severity: c.severity,
      summary: c.summary,
      provenance: c.provenance,
    }));
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT.ok;
  }
  const w = Math.max(...codes.map((c) => c.code.length));
  const lines = codes.map(
    (c) => `${c.code.padEnd(w)}  ${c.severity.padEnd(7)}  ${c.summary}  [${provenanceSummary(c.provenance)}]`,
  );
  io.stdout.write(
    `${lines.join('\n')}\n\n${codes.length} codes. \`obs-sse explain <code>\` shows one in full.\n`,
  );
  return EXIT.ok;
}

const show = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));

/**
 * What a redacted customer key was, without the key: its size and its MD5, the fingerprint the
 * `-key-MD5` header carries in clear anyway. It lets a reader see why a key and an MD5 disagree.
 */
function keyFacts(value: string): string {
  const bytes = Buffer.from(value, 'base64');
  return ` (${value.length} characters, ${bytes.length} bytes decoded, MD5 ${createHash('md5').update(bytes).digest('base64')})`;
}

/** The example's headers as `name: value` lines, values of secret headers redacted. */
function headerLines(headers: CodeExample['headers']): string[] {
  const pairs: [string, string][] = headerEntries(headers).map(([n, v]) => [n, show(v)]);
  return redactHeaders(pairs).map(([n, v], i) => {
    const raw = pairs[i]?.[1] ?? '';
    const facts = v === REDACTED && /-customer-key$/i.test(n) ? keyFacts(raw) : '';
    return `    ${n}: ${v}${facts}`;
  });
}

function describeExample(label: string, ex: CodeExample): string[] {
  const extra = [
    ex.position !== undefined && `position=${ex.position}`,
    ex.scheme && `scheme ${ex.scheme}`,
    ex.dialect && `dialect ${ex.dialect}`,
  ].filter(Boolean);
  return [
    `${label} (${ex.operation} ${ex.direction}${extra.length ? `, ${extra.join(', ')}` : ''}):`,
    ...(ex.url === undefined ? [] : [`    URL ${redactUrl(ex.url)}`]),
    ...headerLines(ex.headers),
  ];
}

function diagnosticLines(
  list: readonly { severity: string; code: string; message: string }[],
  code: string,
): string[] {
  if (list.length === 0) return ['    (nothing)'];
  return list.map((d) => `  ${d.code === code ? '>' : ' '} ${d.severity.padEnd(7)} ${d.code}  ${d.message}`);
}

function exchangeLines(ex: ExampleExchange): string[] {
  const out = [
    `    ${ex.method} ${redactUrl(ex.url)}`,
    ...headerLines(ex.requestHeaders).map((l) => `  ${l}`),
  ];
  if (ex.status !== undefined) {
    out.push(`    → ${ex.status}`, ...headerLines(ex.responseHeaders ?? []).map((l) => `  ${l}`));
  }
  return out;
}

/** `form/unchecked` comes from a guard reading a live body, so its example runs the guard. */
function formExample(): string[] {
  const { title, request, form, body } = FORM_EXAMPLE;
  const guard = createEngineGuard();
  const verdict = guard.checkForm(request, form, guard.checkRequest(request));
  return [
    `Example: ${title}`,
    `    ${request.method} ${request.url}`,
    ...headerLines(request.headers).map((l) => `  ${l}`),
    `      (body: ${body})`,
    '',
    'The proxy, the undici interceptor and the middleware yield:',
    ...diagnosticLines(verdict.diagnostics, FORM_EXAMPLE.code),
  ];
}

/** `session/store-unavailable` comes from a shared store failing, so its example runs the guard on one. */
async function storeExample(): Promise<string[]> {
  const { title, request } = STORE_EXAMPLE;
  const unreachable = async (): Promise<never> => {
    throw new Error('connect ECONNREFUSED');
  };
  const backend = {
    describe: 'redis://redis.internal:6379',
    get: unreachable,
    set: unreachable,
    delete: unreachable,
    close: async () => undefined,
  };
  const shared = (namespace: string): SharedUploadSessionStore =>
    new SharedUploadSessionStore(backend, { namespace });
  const core = createGuardCore({
    log: () => undefined,
    store: shared('upload:'),
    pending: shared('initiate:'),
  });
  await core.prepare(request);
  return [
    `Example: ${title}`,
    `    ${request.method} ${request.url}`,
    ...headerLines(request.headers).map((l) => `  ${l}`),
    '',
    'With --session-store-failure closed (the default), the proxy and authz yield:',
    ...diagnosticLines(core.judge(request).verdict.diagnostics as Diagnostic[], STORE_EXAMPLE.code),
  ];
}

/** The guard's failure codes come from the core's one fail-closed policy, so their example runs it. */
function guardFailureExample(code: keyof typeof GUARD_FAILURE_EXAMPLES): string[] {
  const { title, phase } = GUARD_FAILURE_EXAMPLES[code];
  const fail = (): never => {
    throw new Error('example failure');
  };
  const core = createGuardCore({
    log: () => undefined,
    guard: {
      checkRequest: phase === 'request' ? fail : () => ({ block: false, codes: [], diagnostics: [] }),
      checkResponse: fail,
    },
  });
  const g = core.judge({ method: 'PUT', url: '/photos/a.jpg', headers: [], upstreamScheme: 'https' });
  if (!g.refused) g.response(200, []);
  const defs = getChecker().rules.codes;
  const yielded = [...g.verdict.codes, ...g.responseCodes].map((c) => ({
    code: c,
    severity: defs[c]?.severity ?? 'error',
    message: defs[c]?.summary ?? '',
  }));
  return [
    `Example: ${title}`,
    '    PUT /photos/a.jpg',
    '',
    `The guard core yields${g.refused ? ` (refused: ${g.refusal().status} ${g.refusal().code})` : ''}:`,
    ...diagnosticLines(yielded, code),
  ];
}

async function exchangeExample(code: RecordedInspectCode): Promise<string[]> {
  const example = EXCHANGE_EXAMPLES[code];
  const ndjson = example.exchanges.map((e) => JSON.stringify(e)).join('\n');
  const result = await lint([streamInput(Readable.from([Buffer.from(ndjson)]), 'example')], {
    input: 'ndjson',
  });
  return [
    `Example: ${example.title}`,
    ...example.exchanges.flatMap(exchangeLines),
    '',
    'It yields:',
    ...diagnosticLines(result.findings, code),
  ];
}

/** Runs `obs-sse explain <code>`. */
export async function explainCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { help: { type: 'boolean', short: 'h' } } as const,
    EXPLAIN_USAGE,
  );
  if (values.help) {
    io.stdout.write(EXPLAIN_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('explain takes one code', EXPLAIN_USAGE);
  const wanted = positionals[0] ?? '';
  const info: CodeInfo | undefined = codeCatalogue().find((c) => c.code === wanted);
  if (!info) {
    const near = codeCatalogue().filter((c) => c.code.includes(wanted.split('/').pop() ?? wanted));
    const hint = near.length > 0 ? ` Did you mean ${near.map((c) => c.code).join(', ')}?` : '';
    throw new UsageError(`unknown code '${wanted}'.${hint} \`obs-sse rules\` lists them.`, EXPLAIN_USAGE);
  }
  const out = [
    `${info.code}  (${info.severity} by default)`,
    '',
    info.summary,
    '',
    info.help,
    '',
    `Message: ${info.message}`,
    '',
    'Where it comes from:',
    ...info.provenance.map((p) => `  - ${describeProvenance(p)}`),
    '',
  ];
  const { valid, invalid } = info.examples;
  if (valid && invalid) {
    const yields: Diagnostic[] = getChecker().validate(invalid).diagnostics;
    out.push(
      ...describeExample('Valid', valid),
      '',
      ...describeExample('Invalid', invalid),
      '',
      'The invalid example yields:',
      ...diagnosticLines(yields, info.code),
    );
  } else if (info.code in EXCHANGE_EXAMPLES) {
    out.push(...(await exchangeExample(info.code as RecordedInspectCode)));
  } else if (info.code === FORM_EXAMPLE.code) {
    out.push(...formExample());
  } else if (info.code === STORE_EXAMPLE.code) {
    out.push(...(await storeExample()));
  } else if (info.code in GUARD_FAILURE_EXAMPLES) {
    out.push(...guardFailureExample(info.code as keyof typeof GUARD_FAILURE_EXAMPLES));
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}
