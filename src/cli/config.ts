/**
 * `obs-sse.config.json`: settings for `obs-sse lint`, validated against ./config.schema.json. Errors
 * name the file and the JSON pointer of the offending value, as rule-file errors do.
 */
import Ajv2020 from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import { getChecker } from '../engine/default';
import { assertValid, RuleLoadError } from '../rules/load';
import type { SeverityOverrides } from '../engine/report';
import type { Addressing } from '../traffic';
import type { Dialect } from '../types';
import schema from './config.schema.json';

/** The config file looked for in the working directory when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'obs-sse.config.json';

/** A `--fail-on` value. */
export type FailOn = 'error' | 'warning' | 'never';

/** The contents of a config file. */
export interface LintConfig {
  rules?: SeverityOverrides;
  ignoreUrls?: string[];
  addressing?: Addressing;
  endpoints?: string[];
  assumeScheme?: 'http' | 'https';
  redactionMarkers?: string[];
  dialect?: Dialect | 'auto';
  failOn?: FailOn;
  format?: 'stylish' | 'json' | 'sarif' | 'junit';
  maxLineBytes?: number;
}

let validate: ReturnType<Ajv2020['compile']> | undefined;

/** `/rules/sse-c~1incomplete`: a JSON pointer token for a code. */
const pointerToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Reads and validates a config file. Throws a RuleLoadError (the file as `name` and the JSON pointer in
 * the message) when the file is unreadable, not JSON, not of the schema, or names an unknown code.
 */
export function loadConfig(path: string, name: string = path): LintConfig {
  const file = name;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RuleLoadError(
      file,
      '',
      `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new RuleLoadError(file, '', `not valid JSON (${(err as Error).message})`);
  }
  validate ??= new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  assertValid(validate, data, file);
  const config = data as LintConfig;
  const codes = getChecker().rules.codes;
  for (const code of Object.keys(config.rules ?? {})) {
    if (!codes[code]) {
      throw new RuleLoadError(
        file,
        `/rules/${pointerToken(code)}`,
        `unknown code "${code}"; \`obs-sse rules\` lists them`,
      );
    }
  }
  return config;
}
