/**
 * Turning diagnostics into what a blocked client and a log reader see: codes, header names and each
 * code's one-line summary from rules/codes.json. Diagnostic messages are deliberately not used: they
 * may quote the received value, and a block answer must never echo a header value back.
 */
import type { Checker } from '../engine/checker';
import type { Diagnostic } from '../types';

/** The codes of `diagnostics`, each once: errors first, then warnings and infos, in order of appearance. */
export function codesOf(diagnostics: readonly Diagnostic[]): string[] {
  const errors: string[] = [];
  const others: string[] = [];
  for (const d of diagnostics) {
    const list = d.severity === 'error' ? errors : others;
    if (!errors.includes(d.code) && !others.includes(d.code)) list.push(d.code);
  }
  return errors.length === 0 ? others : others.length === 0 ? errors : [...errors, ...others];
}

/** True when any diagnostic is an error: the only thing that blocks. */
export function hasError(diagnostics: readonly Diagnostic[]): boolean {
  for (const d of diagnostics) if (d.severity === 'error') return true;
  return false;
}

/**
 * Why a request is blocked, in one line: the operation, then each error as `code on header (summary)`.
 * Header names are the lower-case names as sent; no value ever appears.
 */
export function blockReason(
  operation: string | undefined,
  diagnostics: readonly Diagnostic[],
  checker: Checker,
): string {
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const d of diagnostics) {
    if (d.severity !== 'error') continue;
    const key = `${d.code}\n${d.header ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const summary = checker.rules.codes[d.code]?.summary;
    const on = d.header === undefined ? '' : ` on ${d.header}`;
    parts.push(`${d.code}${on}${summary ? ` (${summary.replace(/\.$/, '')})` : ''}`);
  }
  const what = operation === undefined ? 'request' : `${operation} request`;
  const first = diagnostics.find((d) => d.severity === 'error')?.code;
  const explain = first === undefined ? '' : `. Run \`obs-sse explain ${first}\` for the rule`;
  return `${what} has SSE header errors: ${parts.join('; ')}${explain}`;
}
