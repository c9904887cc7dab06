/** `obs-sse check`: the checks of one message given as flags or as raw HTTP text on standard input. */
import { OPERATIONS } from '../../generated/types';
import { FORMATTERS, type FormatName } from '../formatters';
import { checkerFor, inspectRequest, withoutHiddenKeyContent, type InspectOptions } from '../inspect';
import { emptySummary, STDIN_NAME, type Finding, type LintResult } from '../lint';
import { redactUrl } from '../redact';
import { parseRequestUrl } from '../traffic/url';
import type { Diagnostic, Operation } from '../types';
import { oneOf, packageVersion, parse, parseRules } from './args';
import { EXIT, UsageError, type CliIo } from './io';
import { exitCodeOf, useColor } from './lint-command';
import { parseRawHttp, type RawMessage } from './raw-http';

/** Usage text of `obs-sse check`. */
export const CHECK_USAGE = `Usage: obs-sse check --op OPERATION [-H 'name: value']... [options]
       obs-sse check [options] < message.txt

Checks one request or response. With -H, the headers are the flags; without, standard input holds
raw HTTP: an optional request line (PUT /bucket/key HTTP/1.1) or status line (HTTP/1.1 200 OK),
headers, and for PostObject a blank line and the form body. From a request line the operation is
found as the linter finds it (--op overrides).

      --op OPERATION                    ${OPERATIONS.join(', ')}
      --direction request|response      default request (response after a status line)
      --scheme http|https               transport to OBS; enables the transport/* rules
      --dialect auto|obs|s3             header dialect to require (default auto)
      --addressing auto|path|virtual    where the bucket is, for a request line (default auto)
  -H, --header 'name: value'            a header (repeatable)
      --redaction-marker TEXT           a value meaning "key sent, hidden" besides [REDACTED], REDACTED,
                                        ***, <redacted>, [FILTERED] (repeatable)
  -f, --format stylish|json|sarif|junit output format (default stylish)
      --fail-on error|warning|never     exit 1 when findings reach this severity (default error)
      --rule CODE=off|info|warning|error  change a code's severity (repeatable)
      --color, --no-color               force colours on or off
  -h, --help                            show this help
`;

const OPTIONS = {
  op: { type: 'string' },
  direction: { type: 'string' },
  scheme: { type: 'string' },
  dialect: { type: 'string' },
  addressing: { type: 'string' },
  header: { type: 'string', short: 'H', multiple: true },
  'redaction-marker': { type: 'string', multiple: true },
  format: { type: 'string', short: 'f' },
  'fail-on': { type: 'string' },
  rule: { type: 'string', multiple: true },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MAX_STDIN = 1024 * 1024;

async function readMessage(io: CliIo): Promise<string> {
  if (io.stdin.isTTY)
    throw new UsageError('give headers with -H, or pipe an HTTP message into standard input', CHECK_USAGE);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of io.stdin) {
    const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c);
    size += b.length;
    if (size > MAX_STDIN)
      throw new UsageError('standard input is over 1 MiB; check reads one message', CHECK_USAGE);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs `obs-sse check` and returns its exit code. */
export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, CHECK_USAGE);
  if (values.help) {
    io.stdout.write(CHECK_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`, CHECK_USAGE);
  const op = oneOf('--op', values.op, OPERATIONS, CHECK_USAGE) as Operation | undefined;
  const scheme = oneOf('--scheme', values.scheme, ['http', 'https'] as const, CHECK_USAGE);
  const dialect = oneOf('--dialect', values.dialect, ['auto', 'obs', 's3'] as const, CHECK_USAGE);
  const addressing = oneOf(
    '--addressing',
    values.addressing,
    ['auto', 'path', 'virtual'] as const,
    CHECK_USAGE,
  );
  const format: FormatName =
    oneOf('--format', values.format, Object.keys(FORMATTERS) as FormatName[], CHECK_USAGE) ?? 'stylish';
  const failOn =
    oneOf('--fail-on', values['fail-on'], ['error', 'warning', 'never'] as const, CHECK_USAGE) ?? 'error';
  const rules = parseRules(values.rule ?? [], CHECK_USAGE);
  const options: InspectOptions = Object.keys(rules).length > 0 ? { severity: rules } : {};
  if (values['redaction-marker']) options.redactionMarkers = values['redaction-marker'];

  const fromFlags = values.header !== undefined;
  const msg: RawMessage = fromFlags
    ? parseRawHttp(values.header?.join('\n') ?? '', CHECK_USAGE)
    : parseRawHttp(await readMessage(io), CHECK_USAGE);
  if (fromFlags && (msg.request || msg.response)) throw new UsageError('-H takes headers only', CHECK_USAGE);
  const direction =
    oneOf('--direction', values.direction, ['request', 'response'] as const, CHECK_USAGE) ??
    (msg.response ? 'response' : 'request');

  let diagnostics: readonly Diagnostic[];
  let operation: string | undefined = op;
  let method: string;
  let url: string;
  let skipped: string | undefined;
  if (msg.request && direction === 'request' && op === undefined) {
    method = msg.request.method;
    url = msg.request.target;
    const r = inspectRequest(
      {
        method,
        url,
        headers: msg.headers,
        postData: msg.body === undefined ? undefined : { text: msg.body },
        addressing,
        dialect,
        schemeOverride: scheme,
      },
      options,
    );
    diagnostics = r.diagnostics;
    if (r.classification.kind === 'operation') operation = r.classification.operation;
    else [operation, skipped] = [r.classification.detail, r.classification.reason];
  } else {
    if (op === undefined) {
      throw new UsageError(
        msg.request ? '--op is needed to check a response' : '--op is needed when there is no request line',
        CHECK_USAGE,
      );
    }
    // Without a request line, the operation's documented shape names the exchange.
    const shape = (checkerFor(options).rules.operations.find((o) => o.id === op)?.http ?? '').split(' ');
    method = msg.request?.method ?? shape[0] ?? '';
    url = msg.request?.target ?? shape[1] ?? '';
    const checker = checkerFor(options);
    diagnostics = withoutHiddenKeyContent(
      checker.validate({
        operation: op,
        direction,
        headers: msg.headers,
        scheme: scheme ?? (msg.request ? parseRequestUrl(msg.request.target).scheme : undefined),
        dialect,
      }).diagnostics,
      msg.headers,
      checker,
      options.redactionMarkers,
    );
  }

  const file = fromFlags ? '<headers>' : STDIN_NAME;
  const summary = emptySummary();
  summary.files = 1;
  summary.exchanges = 1;
  if (skipped) summary.skipped[skipped as keyof typeof summary.skipped] = 1;
  else summary.checked = 1;
  const findings = diagnostics.map((d): Finding => {
    if (d.severity === 'error') summary.errors++;
    else if (d.severity === 'warning') summary.warnings++;
    else summary.infos++;
    const f: Finding = {
      file,
      entry: 0,
      direction: d.direction ?? direction,
      code: d.code,
      severity: d.severity,
      message: d.message,
      method,
      url: redactUrl(url),
    };
    if (operation !== undefined) f.operation = d.operation ?? operation;
    if (d.header !== undefined) f.header = d.header;
    return f;
  });
  const result: LintResult = {
    summary,
    files: [{ file, ...summary }],
    findings,
    inputErrors: [],
    exchanges: [{ file, entry: 0, method, url: redactUrl(url), ...(operation ? { operation } : {}) }],
  };
  io.stdout.write(
    FORMATTERS[format](result, {
      color: format === 'stylish' && useColor(io, values),
      version: packageVersion(),
    }),
  );
  return exitCodeOf(result, failOn);
}
