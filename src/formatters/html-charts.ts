/**
 * The HTML report's charts, as inline SVG written here: horizontal bars for tallies and columns for
 * findings over time. No library, no script: the report opens offline and renders without JavaScript.
 */
import type { Tally, Timeline } from '../lint/aggregate';
import { xmlEscape as esc } from '../xml';

const WIDTH = 440;
const ROW = 22;
const LABEL = 170;
const MAX_LABEL = 26;

/** A bar's colour: by severity for codes, one colour otherwise. */
export type ColourOf = (name: string) => string;

const shortLabel = (s: string): string => (s.length <= MAX_LABEL ? s : `${s.slice(0, MAX_LABEL - 1)}…`);

/**
 * Horizontal bars, largest first; past `max` bars the rest are summed as `(n more)`. Each bar carries
 * its name and count as data attributes; a bar with `filterable` set filters the groups table on click.
 */
export function barChart(
  id: string,
  title: string,
  tallies: readonly Tally[],
  options: { max?: number; colour?: ColourOf; filterable?: boolean } = {},
): string {
  const max = options.max ?? 10;
  const shown = tallies.slice(0, max);
  const rest = tallies.slice(max);
  const rows: { name: string; count: number; more?: boolean }[] = [...shown];
  if (rest.length > 0) {
    rows.push({ name: `(${rest.length} more)`, count: rest.reduce((n, t) => n + t.count, 0), more: true });
  }
  const top = Math.max(1, ...rows.map((r) => r.count));
  const height = Math.max(1, rows.length) * ROW + 6;
  const bars = rows.map((r, i) => {
    const y = i * ROW + 3;
    const w = Math.max(2, Math.round(((WIDTH - LABEL - 70) * r.count) / top));
    const fill = r.more ? '#9aa5b1' : (options.colour?.(r.name) ?? '#3b6ea8');
    const filter =
      options.filterable && !r.more ? ` data-filter="${esc(r.name)}" class="bar filter"` : ' class="bar"';
    return (
      `<g${filter} data-name="${esc(r.name)}" data-count="${r.count}"><title>${esc(r.name)}: ${r.count}</title>` +
      `<text x="${LABEL - 6}" y="${y + 15}" text-anchor="end">${esc(shortLabel(r.name))}</text>` +
      `<rect x="${LABEL}" y="${y + 3}" width="${w}" height="${ROW - 7}" rx="2" fill="${fill}"/>` +
      `<text x="${LABEL + w + 5}" y="${y + 15}" class="n">${r.count}</text></g>`
    );
  });
  const body = rows.length === 0 ? `<text x="6" y="16">no findings</text>` : bars.join('');
  return (
    `<figure class="chart" id="${esc(id)}"><figcaption>${esc(title)}</figcaption>` +
    `<svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">${body}</svg></figure>`
  );
}

/** `2024-05-06 08:00` from an ISO time. */
const minute = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** A human bin width: `30 s`, `4 min`, `2 h`, `3 d`. */
function binLabel(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** Columns of findings per time bin, with the first and last time under the axis. */
export function timeChart(id: string, title: string, timeline: Timeline | undefined): string {
  const head = `<figure class="chart" id="${esc(id)}"><figcaption>${esc(title)}</figcaption>`;
  if (!timeline || timeline.counts.length === 0) {
    return `${head}<p class="none">The recording has no timestamps (HAR startedDateTime, NDJSON startedDateTime).</p></figure>`;
  }
  const height = 150;
  const plot = height - 34;
  const n = timeline.counts.length;
  // A short recording fills few bins: keep columns narrow rather than one bar across the chart.
  const step = Math.min(24, (WIDTH - 50) / n);
  const top = Math.max(1, ...timeline.counts);
  const start = Date.parse(timeline.start);
  const bin = timeline.binSeconds * 1000;
  const cols = timeline.counts.map((count, i) => {
    const h = count === 0 ? 0 : Math.max(2, Math.round((plot * count) / top));
    const x = 40 + i * step;
    return (
      `<rect class="col" x="${x.toFixed(1)}" y="${6 + plot - h}" width="${Math.max(1, step - 1).toFixed(1)}" height="${h}" fill="#b4432f" data-count="${count}">` +
      `<title>${minute(start + i * bin)}: ${count}</title></rect>`
    );
  });
  const axis =
    `<line x1="40" y1="${6 + plot}" x2="${WIDTH - 10}" y2="${6 + plot}" stroke="#888"/>` +
    `<text x="36" y="16" text-anchor="end" class="n">${top}</text>` +
    `<text x="36" y="${6 + plot}" text-anchor="end" class="n">0</text>` +
    `<text x="40" y="${height - 14}" class="n">${minute(start)} to ${minute(start + n * bin)} UTC</text>` +
    `<text x="40" y="${height - 1}" class="n">${binLabel(timeline.binSeconds)} per column</text>`;
  return (
    `${head}<svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">` +
    `${cols.join('')}${axis}</svg></figure>`
  );
}
