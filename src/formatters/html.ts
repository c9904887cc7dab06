/**
 * `--format html`: one self-contained page (inline CSS, SVG and a few lines of script; a Content
 * Security Policy that forbids loading anything) that answers who is wrong and why: an overview with
 * charts by code, client, operation and over time; the filterable table of groups (code × operation ×
 * client × bucket) with each group's redacted example exchange and its code's explanation; what was
 * checked and passed; and the explanation of every code found. Its size is bounded by the groups, not
 * the findings: it is written from the run's aggregate at the end.
 */
import type { Aggregate, Group } from '../lint/aggregate';
import type { LintOutcome } from '../lint/types';
import { xmlEscape as esc } from '../xml';
import { errorPosition, exchangeCounts, plural, summaryLine } from './common';
import { barChart, timeChart } from './html-charts';
import { codeAnchor, codeArticles, codeBrief } from './html-codes';
import { HTML_SCRIPT, HTML_STYLE } from './html-page';
import { toText } from './replay';
import { exampleLines, placeLabel } from './summary';
import type { FormatOptions, ReportWriter, TextOut } from './types';

const SEVERITY_COLOUR = { error: '#b4432f', warning: '#c28a12', info: '#3b6ea8' } as const;
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function overview(a: Aggregate): string {
  const severityOf = new Map(a.groups.map((g) => [g.code, g.severity]));
  return (
    '<section id="overview"><h2>Overview</h2><div class="charts">' +
    barChart('chart-code', 'Findings by code', a.byCode, {
      colour: (code) => SEVERITY_COLOUR[severityOf.get(code) ?? 'error'],
      filterable: true,
      // Codes are a closed list of a few dozen: show every one.
      max: Infinity,
    }) +
    barChart('chart-client', 'Findings by client (User-Agent)', a.byClient, { filterable: true }) +
    barChart('chart-operation', 'Findings by operation', a.byOperation, { filterable: true }) +
    timeChart('chart-time', 'Findings over time', a.timeline) +
    '</div></section>'
  );
}

function groupRow(g: Group, i: number): string {
  const id = `g${i}`;
  const cells = [
    `<td class="n">${g.count}</td>`,
    `<td><span class="sev ${g.severity}">${g.severity}</span></td>`,
    `<td><a href="#${codeAnchor(g.code)}"><code>${esc(g.code)}</code></a></td>`,
    `<td>${g.overflow ? '<em>other groups</em>' : esc(g.operation || '-')}</td>`,
    `<td>${esc(g.client ?? '')}</td>`,
    `<td>${esc(g.bucket ?? '')}</td>`,
    `<td>${esc(placeLabel(g.first))}</td>`,
    `<td>${esc(placeLabel(g.last))}</td>`,
  ];
  const text = [g.code, g.severity, g.operation, g.client, g.bucket].filter(Boolean).join(' ').toLowerCase();
  const example = g.example
    ? `<h4>Example exchange (the group's first, redacted)</h4><pre class="exchange">${esc(exampleLines(g.example).join('\n'))}</pre>`
    : `<p class="none">${g.overflow ? 'Findings of groups past the limit; no example is kept for them.' : 'No example was kept for this group.'}</p>`;
  const detail =
    `<tr class="detail" id="${id}-detail" hidden><td colspan="9">` +
    `<p class="message">${g.header ? `<code>${esc(g.header)}</code>: ` : ''}${esc(g.message)}</p>` +
    `${example}${codeBrief(g.code)}</td></tr>`;
  return (
    `<tr class="group" id="${id}" data-count="${g.count}" data-code="${esc(g.code)}" data-severity="${g.severity}" data-text="${esc(text)}">` +
    `<td><button type="button" class="toggle" aria-expanded="false" aria-controls="${id}-detail" title="Show the example">▸</button></td>` +
    `${cells.join('')}</tr>${detail}`
  );
}

function groupsTable(a: Aggregate, findings: number): string {
  const overflow =
    a.overflowFindings > 0
      ? `<p class="note">${plural(a.overflowFindings, 'finding')} past the limit of ${a.maxGroups} groups are counted under their code as <em>other groups</em>.</p>`
      : '';
  return (
    '<section id="groups"><h2>Who is wrong</h2>' +
    '<p>Findings grouped by code × operation × client × bucket, largest first. Open a row for its example exchange and what the code means.</p>' +
    '<div class="filters"><label>Filter <input id="filter" type="search" placeholder="code, client, bucket, operation"></label> ' +
    '<label>Severity <select id="severity"><option value="">all</option><option>error</option><option>warning</option><option>info</option></select></label> ' +
    `<span id="shown" aria-live="polite">${a.groups.length} of ${a.groups.length} groups, ${findings} findings</span></div>` +
    '<table id="group-table"><thead><tr><th></th><th>count</th><th>severity</th><th>code</th><th>operation</th><th>client</th><th>bucket</th><th>first</th><th>last</th></tr></thead><tbody>' +
    a.groups.map(groupRow).join('\n') +
    `</tbody></table>${a.groups.length === 0 ? '<p class="clean-msg">No findings: nothing to group.</p>' : ''}${overflow}</section>`
  );
}

function cleanPanel(a: Aggregate): string {
  const rows = a.checked.map((c) => {
    const pct = c.checked === 0 ? 100 : Math.round((100 * c.clean) / c.checked);
    return (
      `<tr data-operation="${esc(c.operation)}" data-sse="${esc(c.sse)}" data-checked="${c.checked}" data-clean="${c.clean}">` +
      `<td>${esc(c.operation)}</td><td>${esc(c.sse)}</td><td class="n">${c.checked}</td><td class="n">${c.clean}</td>` +
      `<td><span class="meter"><span style="width:${pct}%"></span></span> ${pct}%</td></tr>`
    );
  });
  const total = a.checked.reduce((n, c) => n + c.checked, 0);
  const clean = a.checked.reduce((n, c) => n + c.clean, 0);
  return (
    '<section id="clean"><h2>Checked and clean</h2>' +
    `<p>${plural(total, 'exchange')} of the SSE operations were checked; ${clean} passed every check. SSE mode is what the request asked for (<em>none</em>: no SSE header, e.g. a read of an SSE-KMS object).</p>` +
    '<table id="clean-table"><thead><tr><th>operation</th><th>SSE mode</th><th>checked</th><th>clean</th><th>passed</th></tr></thead><tbody>' +
    `${rows.join('\n')}</tbody></table></section>`
  );
}

function inputErrors(outcome: LintOutcome): string {
  if (outcome.inputErrors.length === 0) return '';
  const items = outcome.inputErrors.map((e) => {
    const where = errorPosition(e);
    return `<li><code>${esc(e.file)}</code>${where ? ` ${esc(where)}` : ''}: ${esc(e.message)}</li>`;
  });
  const more = outcome.summary.inputErrorsOmitted
    ? `<p>${plural(outcome.summary.inputErrorsOmitted, 'more input error')} not listed.</p>`
    : '';
  return `<section id="input-errors"><h2>Input errors</h2><ul>${items.join('')}</ul>${more}</section>`;
}

/** The whole page. */
export function htmlPage(outcome: LintOutcome, options: FormatOptions = {}): string {
  const a = outcome.aggregate;
  const s = outcome.summary;
  const findings = s.errors + s.warnings + s.infos;
  const files = outcome.files.map((f) => `<code>${esc(f.file)}</code>`).join(', ');
  const totals = [
    ['total-findings', 'findings', findings],
    ['total-errors', 'errors', s.errors],
    ['total-warnings', 'warnings', s.warnings],
    ['total-exchanges', 'exchanges', s.exchanges],
    ['total-checked', 'checked', s.checked],
    ['total-groups', 'groups', a?.groups.length ?? 0],
  ] as const;
  const tiles = totals
    .map(
      ([id, label, n]) =>
        `<div class="tile" id="${id}" data-count="${n}"><b>${n}</b><span>${label}</span></div>`,
    )
    .join('');
  const codes = new Set(a?.byCode.map((c) => c.name) ?? []);
  const body = a
    ? overview(a) + groupsTable(a, findings) + cleanPanel(a)
    : '<p>This run has no aggregate.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>obs-sse lint report</title>
<style>${HTML_STYLE}</style></head>
<body>
<header><h1>obs-sse lint report</h1>
<p class="verdict ${s.errors + s.inputErrors > 0 ? 'bad' : findings > 0 ? 'warn' : 'ok'}">${esc(summaryLine(outcome))}</p>
<p>Inputs: ${files || 'none'}. ${esc(exchangeCounts(s))}. Customer keys and credentials are redacted throughout.</p>
<div class="tiles">${tiles}</div></header>
<main>
${body}
${inputErrors(outcome)}
<section id="codes"><h2>What the codes mean</h2>${codes.size > 0 ? codeArticles(codes) : '<p>No codes were found.</p>'}</section>
</main>
<footer>Written by obs-sse${options.version ? ` ${esc(options.version)}` : ''} (obs-sse-rules). Rules: Huawei Cloud OBS server-side-encryption headers; <code>obs-sse explain &lt;code&gt;</code> prints any code in full.</footer>
<script>${HTML_SCRIPT}</script>
</body></html>
`;
}

/** The HTML format: nothing while the run goes, the page at the end. */
export function htmlWriter(out: TextOut, options: FormatOptions = {}): ReportWriter {
  return {
    exchange() {},
    inputError() {},
    fileDone() {},
    end(outcome) {
      out.write(htmlPage(outcome, options));
    },
  };
}

/** Formats a lint result as the HTML report. */
export const html = toText(htmlWriter);
