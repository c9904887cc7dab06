/** Argument parsing shared by the subcommands: node:util parseArgs in strict mode, errors as usage errors. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { SeverityOverrides } from '../engine/report';
import { getChecker } from '../engine/default';
import { defaultRulesDir } from '../rules/load';
import type { Severity } from '../types';
import { UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What {@link parse} returns for an options table. */
export type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>;

/** Parses `argv` strictly: an unknown flag or a missing value is a {@link UsageError} with `usage`. */
export function parse<O extends Options>(argv: string[], options: O, usage: string): Parsed<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    // parseArgs messages already name the flag ("Unknown option '--x'"); drop its own advice about `--`.
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(message, usage);
  }
}

/** The value if it is one of `allowed`, else a usage error naming the flag and the choices. */
export function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  usage: string,
): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got '${value}'`, usage);
}

/** The values `--rule CODE=SEVERITY` takes. */
const RULE_SEVERITIES: readonly (Severity | 'off')[] = ['off', 'info', 'warning', 'error'];

/** `--rule CODE=SEVERITY` values as overrides; unknown codes and severities are usage errors. */
export function parseRules(values: readonly string[], usage: string): Record<string, Severity | 'off'> {
  const codes = getChecker().rules.codes;
  const out: Record<string, Severity | 'off'> = {};
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    const code = eq === -1 ? v : v.slice(0, eq);
    if (eq === -1)
      throw new UsageError(
        `--rule takes CODE=SEVERITY, e.g. sse-kms/project-id-unlisted=off; got '${v}'`,
        usage,
      );
    if (!codes[code])
      throw new UsageError(`--rule: unknown code '${code}'; \`obs-sse rules\` lists them`, usage);
    const sev = oneOf(`--rule ${code}`, v.slice(eq + 1), RULE_SEVERITIES, usage);
    if (sev) out[code] = sev;
  }
  return out;
}

/**
 * The severity overrides of a config file's `rules` and the `--rule` flags: the flags add to the file
 * and win over it. `--rule` values are checked by {@link parseRules}.
 */
export function severityOverrides(
  configRules: SeverityOverrides | undefined,
  ruleFlags: readonly string[],
  usage: string,
): SeverityOverrides {
  return { ...configRules, ...parseRules(ruleFlags, usage) };
}

let version: string | undefined;

/** This package's version, from the package.json next to rules/ (the same from src/ and dist/). */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(join(defaultRulesDir(), '..', 'package.json'), 'utf8')) as {
        version?: string;
      };
      version = pkg.version ?? '0.0.0';
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
