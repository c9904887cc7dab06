#!/usr/bin/env node
/**
 * The `obs-sse` command: a thin dispatcher over the subcommands. `run` takes its streams, directory
 * and environment as arguments so tests drive it in-process; only `main` touches `process`.
 */
import { RuleLoadError } from '../rules/load';
import { packageVersion } from './args';
import { checkCommand, CHECK_USAGE } from './check-command';
import { EXIT, UsageError, type CliIo } from './io';
import { lintCommand, LINT_USAGE } from './lint-command';
import { explainCommand, EXPLAIN_USAGE, rulesCommand, RULES_USAGE } from './rules-command';

export type { CliIo } from './io';
export { EXIT } from './io';

/** Usage text of `obs-sse`. */
export const USAGE = `Usage: obs-sse <command> [options]

Commands:
  lint <file...>     check recorded traffic (HAR, NDJSON; - for stdin)
  check              check one request or response (-H flags, or raw HTTP on stdin)
  rules              list every diagnostic code
  explain <code>     show one code in full, with examples
  proxy              run the checking reverse proxy (obs-sse proxy --help)
  authz              run the forward-auth decision server for gateways (obs-sse authz --help)

Run \`obs-sse <command> --help\` for a command's options. Documentation: docs/cli.md.
`;

const USAGES: Readonly<Record<string, string>> = {
  lint: LINT_USAGE,
  check: CHECK_USAGE,
  rules: RULES_USAGE,
  explain: EXPLAIN_USAGE,
};

/** The first line of a usage text and where the rest is: enough after a mistake. */
function shortUsage(usage: string, command: string | undefined): string {
  const first = usage.split('\n', 1)[0] ?? '';
  const known = command !== undefined && command in USAGES;
  return `${first}\nRun \`obs-sse ${known ? `${command} ` : ''}--help\` for the options.\n`;
}

/** `obs-sse proxy`, loaded on demand: the other commands should not pay for the proxy's modules. */
async function proxyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { proxyCommand: run } = await import('../proxy/command');
  return run(argv, io);
}

/** `obs-sse authz`, loaded on demand like the proxy. */
async function authzCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { authzCommand: run } = await import('../authz/command');
  return run(argv, io);
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'lint':
        return await lintCommand(rest, io);
      case 'check':
        return await checkCommand(rest, io);
      case 'rules':
        return rulesCommand(rest, io);
      case 'explain':
        return await explainCommand(rest, io);
      case 'proxy':
        return await proxyCommand(rest, io);
      case 'authz':
        return await authzCommand(rest, io);
      case '--version':
      case '-v':
        io.stdout.write(`${packageVersion()}\n`);
        return EXIT.ok;
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write((rest[0] === undefined ? undefined : USAGES[rest[0]]) ?? USAGE);
        return EXIT.ok;
      case undefined:
        io.stderr.write(USAGE);
        return EXIT.usage;
      default:
        throw new UsageError(`unknown command '${command}'`, USAGE);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`obs-sse: ${err.message}\n${shortUsage(err.usage ?? USAGE, command)}`);
      return EXIT.usage;
    }
    if (err instanceof RuleLoadError) {
      io.stderr.write(`obs-sse: invalid config: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

/** Entry point of the `obs-sse` binary. */
export async function main(): Promise<void> {
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    env: process.env,
  };
  try {
    // exitCode, not exit(): a large report on a pipe must be flushed before the process ends.
    process.exitCode = await run(process.argv.slice(2), io);
  } catch (err) {
    process.stderr.write(
      `obs-sse: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 3;
  }
}

if (require.main === module) void main();
