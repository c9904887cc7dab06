import type { Severity } from '../types';
import { nearest } from './did-you-mean';
import { shortName, type SeverityOverrides } from './report';

const LEVELS: readonly (Severity | 'off')[] = ['error', 'warning', 'info', 'off'];

/**
 * Checks `createChecker`'s severity overrides against the rule set's codes: a misspelt code would otherwise
 * be ignored, and a level such as `'ERROR'` would land in diagnostics and count as not an error.
 */
export function checkSeverityOverrides(
  severity: unknown,
  codes: Readonly<Record<string, unknown>>,
): SeverityOverrides | undefined {
  if (severity === undefined) return undefined;
  if (severity === null || typeof severity !== 'object' || Array.isArray(severity)) {
    throw new TypeError('obs-sse-rules: options.severity must be an object of code: level');
  }
  const known = Object.keys(codes);
  for (const [code, level] of Object.entries(severity)) {
    if (!Object.hasOwn(codes, code)) {
      const guess = code.length <= 128 ? nearest(code, known, 3) : undefined;
      throw new TypeError(
        `obs-sse-rules: options.severity names an unknown code ${JSON.stringify(shortName(code))}.` +
          `${guess ? ` Did you mean ${guess}?` : ''} Valid codes: ${known.join(', ')}`,
      );
    }
    if (!LEVELS.includes(level as Severity)) {
      throw new TypeError(
        `obs-sse-rules: options.severity[${JSON.stringify(code)}] is ${JSON.stringify(shortName(String(level)))}; expected one of ${LEVELS.join(', ')}`,
      );
    }
  }
  return severity as SeverityOverrides;
}
