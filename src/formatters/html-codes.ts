/**
 * The HTML report's explanation of each code found: summary, help and severity from rules/codes.json,
 * every provenance in full, and a valid and an invalid example with their headers redacted. Codes that
 * only a whole exchange can raise have no single-message examples in codes.json; their recorded story
 * (the one `obs-sse explain` lints) is shown instead.
 */
import { EXCHANGE_EXAMPLES, type RecordedInspectCode } from '../cli/exchange-examples';
import { headerEntries } from '../engine/header-shapes';
import { codeCatalogue, describeProvenance, type CodeInfo } from '../lint/codes';
import { withoutKeyLikeRuns } from '../lint/example';
import { redactHeaders, redactUrl } from '../redact';
import type { CodeExample } from '../rules/model';
import { xmlEscape as esc } from '../xml';

/** The anchor of a code's explanation: `code-sse-c-md5-mismatch`. */
export const codeAnchor = (code: string): string => `code-${code.replace(/[^a-z0-9]+/gi, '-')}`;

/** Header pairs as redacted `name: value` lines. */
function headerText(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  const text: [string, string][] = pairs.map(([n, v]) => [
    String(n),
    typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)),
  ]);
  return redactHeaders(text)
    .map(([n, v]) => `${n}: ${withoutKeyLikeRuns(v)}`)
    .join('\n');
}

function messageExample(label: string, ex: CodeExample): string {
  const pairs = headerEntries(ex.headers);
  const how = [ex.operation, ex.direction, ex.scheme, ex.dialect && `${ex.dialect} dialect`].filter(Boolean);
  return `<div class="ex ${label}"><h5>${label === 'valid' ? 'Valid' : 'Invalid'} (${esc(how.join(', '))})</h5><pre>${esc(headerText(pairs))}</pre></div>`;
}

function exchangeStory(code: string): string {
  const story = EXCHANGE_EXAMPLES[code as RecordedInspectCode];
  if (!story) return '<p class="none">No example: the code comes from a live request body (the guard).</p>';
  const text = story.exchanges
    .map((x) => {
      const lines = [`${x.method} ${redactUrl(x.url)}`, headerText(x.requestHeaders)];
      if (x.status !== undefined) lines.push(`→ ${x.status}`, headerText(x.responseHeaders ?? []));
      return lines.filter(Boolean).join('\n');
    })
    .join('\n\n');
  return (
    `<div class="ex invalid"><h5>Invalid: ${esc(story.title)}</h5><pre>${esc(text)}</pre></div>` +
    '<p class="none">Valid: the same exchanges with matching keys and methods. An exchange-level code has no single-message example in rules/codes.json; <code>obs-sse explain</code> lints this story.</p>'
  );
}

function article(info: CodeInfo): string {
  const examples =
    info.examples.valid && info.examples.invalid
      ? messageExample('valid', info.examples.valid) + messageExample('invalid', info.examples.invalid)
      : exchangeStory(info.code);
  const provenance = info.provenance.map((p) => `<li>${esc(describeProvenance(p))}</li>`).join('');
  return (
    `<article class="code" id="${codeAnchor(info.code)}"><h3><code>${esc(info.code)}</code> <span class="sev ${info.severity}">${info.severity}</span></h3>` +
    `<p><strong>${esc(info.summary)}</strong></p><p>${esc(info.help)}</p>` +
    `<h4>Where the rule comes from</h4><ul>${provenance || '<li>this project</li>'}</ul>` +
    `<h4>Examples</h4><div class="examples">${examples}</div></article>`
  );
}

/** One code's summary and help, as a group's detail shows it. */
export function codeBrief(code: string): string {
  const info = codeCatalogue().find((c) => c.code === code);
  if (!info) return '';
  return `<p><strong>${esc(info.summary)}</strong> ${esc(info.help)} <a href="#${codeAnchor(code)}">Provenance and examples</a></p>`;
}

/** The explanations of the given codes, in the catalogue's order. */
export function codeArticles(codes: ReadonlySet<string>): string {
  return codeCatalogue()
    .filter((c) => codes.has(c.code))
    .map(article)
    .join('\n');
}
