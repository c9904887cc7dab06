/** `obs-sse lint`: flags and config to lint options, the pipeline, a formatter, an exit code. */
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { WRITERS, type FormatName, type TextOut } from '../formatters';
import { plural } from '../formatters/common';
import { fileInput, lintTo, streamInput, type LintInput, type LintOutcome, type Progress } from '../lint';
import { oneOf, packageVersion, parse, severityOverrides } from './args';
import { DEFAULT_CONFIG_FILE, loadConfig, type FailOn, type LintConfig } from './config';
import { EXIT, UsageError, type CliIo } from './io';
import { TRAFFIC_FORMATS } from '../traffic';

/** Usage text of `obs-sse lint`. */
export const LINT_USAGE = `Usage: obs-sse lint [options] <file...>     (- reads standard input)

Checks the SSE headers of every exchange in HAR files or NDJSON logs.

  -f, --format FORMAT                     stylish (default), json, sarif, junit, summary (who is wrong:
                                          findings grouped), html (a report page; use with -o)
  -o, --output FILE                       write the report to FILE instead of stdout
      --input FORMAT                      har, ndjson, or a gateway log: nginx, kong, apisix, envoy, otlp
                                          (default: from the file name, else sniffed; gzip, zlib and zip
                                          containers are opened by their magic bytes)
      --addressing auto|path|virtual      where the bucket is (default auto: OBS host names are virtual)
      --endpoint HOST                     an endpoint the recording talks to: <bucket>.HOST is virtual-hosted,
                                          HOST itself path-style (repeatable; OBS's public names always count)
      --assume-scheme http|https          transport of the hop to OBS when the log was taken on another hop
      --redaction-marker TEXT             a value meaning "key sent, hidden" besides [REDACTED], REDACTED,
                                          ***, <redacted>, [FILTERED] (repeatable)
      --dialect auto|obs|s3               header dialect to require (default auto)
      --fail-on error|warning|never       exit 1 when findings reach this severity (default error)
      --rule CODE=off|info|warning|error  change a code's severity (repeatable)
  -c, --config FILE                       config file (default ${DEFAULT_CONFIG_FILE} if present)
      --no-config                         ignore ${DEFAULT_CONFIG_FILE}
      --ignore-url GLOB                   skip exchanges whose URL or path matches (repeatable)
      --max-findings N                    list at most N findings (default: all; all are counted)
      --max-line-bytes N                  longest NDJSON line read (default 67108864, 64 MiB); a longer
                                          one is an input error and ends the reading of its input
      --jobs N                            worker threads for NDJSON inputs (default: 1 below four cores,
                                          else up to 3 for inputs of 32 MB or more and pipes)
      --color, --no-color                 force colours on or off (default: on for a terminal)
  -h, --help                              show this help

Exit codes: 0 nothing reached --fail-on, 1 findings did, 2 usage error or unreadable input.
`;

const FORMATS = Object.keys(WRITERS) as FormatName[];
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  input: { type: 'string' },
  addressing: { type: 'string' },
  endpoint: { type: 'string', multiple: true },
  'assume-scheme': { type: 'string' },
  'redaction-marker': { type: 'string', multiple: true },
  dialect: { type: 'string' },
  'fail-on': { type: 'string' },
  rule: { type: 'string', multiple: true },
  config: { type: 'string', short: 'c' },
  'no-config': { type: 'boolean' },
  'ignore-url': { type: 'string', multiple: true },
  'max-findings': { type: 'string' },
  'max-line-bytes': { type: 'string' },
  jobs: { type: 'string' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The exit code for a run: 2 when an input could not be read in full, else by `--fail-on`. */
export function exitCodeOf(result: Pick<LintOutcome, 'summary'>, failOn: FailOn): number {
  const s = result.summary;
  if (s.inputErrors > 0) return EXIT.usage;
  if (failOn === 'error' && s.errors > 0) return EXIT.findings;
  if (failOn === 'warning' && s.errors + s.warnings > 0) return EXIT.findings;
  return EXIT.ok;
}

/** Whether to colour stdout: `--color`/`--no-color`, else a TTY without NO_COLOR. */
export function useColor(io: CliIo, flags: { color?: boolean; 'no-color'?: boolean }): boolean {
  if (flags['no-color']) return false;
  if (flags.color) return true;
  return io.stdout.isTTY === true && !io.env.NO_COLOR;
}

function progressReporter(io: CliIo): { report(p: Progress): void; done(): void } {
  let last = 0;
  let shown = false;
  return {
    report(p) {
      if (!io.stderr.isTTY || (p.size ?? p.bytes) < PROGRESS_MIN_BYTES) return;
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      const mb = (n: number): string => (n / 1e6).toFixed(0);
      const of = p.size ? ` / ${mb(p.size)} MB (${Math.floor((100 * p.bytes) / p.size)}%)` : ' MB';
      io.stderr.write(`\r\u001b[K${p.file}: ${mb(p.bytes)}${of}, ${p.exchanges} exchanges`);
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[K');
    },
  };
}

/** Runs `obs-sse lint` and returns its exit code. */
export async function lintCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, LINT_USAGE);
  if (values.help) {
    io.stdout.write(LINT_USAGE);
    return EXIT.ok;
  }
  let config: LintConfig = {};
  if (!values['no-config']) {
    const file =
      values.config ?? (existsSync(resolve(io.cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
    if (file !== undefined) config = loadConfig(resolve(io.cwd, file), file);
  }
  const format = oneOf('--format', values.format, FORMATS, LINT_USAGE) ?? config.format ?? 'stylish';
  const failOn =
    oneOf('--fail-on', values['fail-on'], ['error', 'warning', 'never'] as const, LINT_USAGE) ??
    config.failOn ??
    'error';
  const maxFindings = values['max-findings'] === undefined ? undefined : Number(values['max-findings']);
  if (maxFindings !== undefined && !(Number.isInteger(maxFindings) && maxFindings >= 0)) {
    throw new UsageError(
      `--max-findings must be a whole number; got '${values['max-findings']}'`,
      LINT_USAGE,
    );
  }
  const maxLineBytes =
    values['max-line-bytes'] === undefined ? config.maxLineBytes : Number(values['max-line-bytes']);
  if (maxLineBytes !== undefined && !(Number.isSafeInteger(maxLineBytes) && maxLineBytes >= 1)) {
    throw new UsageError(
      `--max-line-bytes must be a whole number of bytes, at least 1; got '${values['max-line-bytes']}'`,
      LINT_USAGE,
    );
  }
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 64)) {
    throw new UsageError(`--jobs must be a whole number from 1 to 64; got '${values.jobs}'`, LINT_USAGE);
  }
  const severity = severityOverrides(config.rules, values.rule ?? [], LINT_USAGE);
  if (positionals.length === 0)
    throw new UsageError('no input files; pass - to read standard input', LINT_USAGE);
  if (positionals.filter((p) => p === '-').length > 1)
    throw new UsageError('- (standard input) can be given once', LINT_USAGE);
  const inputs: LintInput[] = positionals.map((p) =>
    p === '-' ? streamInput(io.stdin) : fileInput(resolve(io.cwd, p), p),
  );

  let fd: number | undefined;
  if (values.output !== undefined) {
    try {
      fd = openSync(resolve(io.cwd, values.output), 'w');
    } catch (err) {
      io.stderr.write(
        `obs-sse: cannot write ${values.output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`,
      );
      return EXIT.usage;
    }
  }
  const target = fd;
  const out = bufferedOut(target === undefined ? (s) => io.stdout.write(s) : (s) => writeSync(target, s));
  const progress = progressReporter(io);
  let outcome: LintOutcome;
  try {
    const writer = WRITERS[format](out, {
      color: values.output === undefined && format === 'stylish' && useColor(io, values),
      version: packageVersion(),
    });
    outcome = await lintTo(inputs, writer, {
      input: oneOf('--input', values.input, TRAFFIC_FORMATS, LINT_USAGE),
      addressing:
        oneOf('--addressing', values.addressing, ['auto', 'path', 'virtual'] as const, LINT_USAGE) ??
        config.addressing,
      endpoints: [...(config.endpoints ?? []), ...(values.endpoint ?? [])],
      assumeScheme:
        oneOf('--assume-scheme', values['assume-scheme'], ['http', 'https'] as const, LINT_USAGE) ??
        config.assumeScheme,
      redactionMarkers: [...(config.redactionMarkers ?? []), ...(values['redaction-marker'] ?? [])],
      dialect:
        oneOf('--dialect', values.dialect, ['auto', 'obs', 's3'] as const, LINT_USAGE) ?? config.dialect,
      severity: Object.keys(severity).length > 0 ? severity : undefined,
      ignoreUrls: [...(config.ignoreUrls ?? []), ...(values['ignore-url'] ?? [])],
      maxFindings,
      maxLineBytes,
      jobs,
      keepExchanges: format === 'junit',
      onProgress: progress.report,
    });
    progress.done();
    writer.end(outcome);
    out.flush();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (format === 'html' && values.output !== undefined) {
    const groups = outcome.aggregate?.groups.length ?? 0;
    io.stderr.write(
      `obs-sse: wrote ${values.output} (${plural(groups, 'group')} of findings); open it in a browser\n`,
    );
  }
  // Input errors are in the report too, but a machine format on stdout must stay parseable: say it on stderr.
  if (outcome.summary.inputErrors > 0 && (format !== 'stylish' || values.output !== undefined)) {
    for (const e of outcome.inputErrors) io.stderr.write(`obs-sse: ${e.file}: ${e.message}\n`);
  }
  return exitCodeOf(outcome, failOn);
}

/** Text gathered into pieces of some 64 KiB before each write. */
function bufferedOut(write: (text: string) => void): TextOut & { flush(): void } {
  let parts: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    write(parts.join(''));
    parts = [];
    size = 0;
  };
  return {
    write(text) {
      parts.push(text);
      size += text.length;
      if (size >= 64 * 1024) flush();
    },
    flush,
  };
}
