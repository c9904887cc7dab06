/**
 * The runnable examples of README.md and docs/*.md. A fenced block is an example when an HTML comment right
 * before it says how to run it (invisible on GitHub, left alone by prettier):
 *
 *     <!-- doc-test: sh -->                 each command exits 0 (`sh exit=1`: each exits 1)
 *     <!-- doc-test: ts -->                 type-checked, then run with tsx; lines with `console.log(…); // out`
 *                                           say what it prints
 *     <!-- doc-test: typecheck -->          type-checked only (it would reach the network)
 *     <!-- doc-test: output-of CMD -->      the block is exactly what CMD prints
 *     <!-- doc-test: json-shape-of CMD -->  the block has the keys of the JSON that CMD prints, at every level
 *     <!-- doc-test: skip (why) -->         not run, and says why
 *
 * `obs-sse` and `npx obs-sse` in commands run the built CLI (dist/), from a directory where `examples/` is
 * the repository's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type DocTestKind = 'sh' | 'ts' | 'typecheck' | 'output-of' | 'json-shape-of' | 'skip';

export interface DocBlock {
  /** Repository-relative file and the 1-based line of the opening fence. */
  file: string;
  line: number;
  kind: DocTestKind;
  /** `exit=N` for sh blocks, the command for output-of and json-shape-of, the reason for skip. */
  argument: string;
  /** The fence's language word (`sh`, `ts`, `json`, …). */
  language: string;
  body: string;
}

const MARKER = /^<!--\s*doc-test:\s*([a-z-]+)\s*(.*?)\s*-->\s*$/;
const KINDS = new Set<DocTestKind>(['sh', 'ts', 'typecheck', 'output-of', 'json-shape-of', 'skip']);

/** The marked blocks of one markdown text. Throws, naming file and line, for a marker not followed by a block. */
export function docBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]!);
    if (!m) continue;
    const kind = m[1] as DocTestKind;
    if (!KINDS.has(kind)) throw new Error(`${file}:${i + 1}: unknown doc-test kind '${m[1]}'`);
    let open = i + 1;
    while (open < lines.length && lines[open]!.trim() === '') open++;
    const fence = /^(`{3,})\s*([\w-]*)/.exec(lines[open] ?? '');
    if (!fence) throw new Error(`${file}:${i + 1}: a doc-test marker must be followed by a fenced block`);
    const close = lines.findIndex((l, j) => j > open && l.startsWith(fence[1]!));
    if (close < 0) throw new Error(`${file}:${open + 1}: the fenced block is not closed`);
    blocks.push({
      file,
      line: open + 1,
      kind,
      argument: m[2]!,
      language: fence[2]!,
      body: lines.slice(open + 1, close).join('\n') + '\n',
    });
    i = close;
  }
  return blocks;
}

/** README.md and every docs/**.md page of the repository at `root`. */
export function docFiles(root: string): string[] {
  const docs = path.join(root, 'docs');
  const pages = fs
    .readdirSync(docs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f));
  return ['README.md', ...pages.sort()];
}

/**
 * The commands of a shell block: continuation lines joined, comment-only and blank lines dropped. Each
 * command is run on its own, so each gets its own exit status.
 */
export function shellCommands(body: string): string[] {
  const commands: string[] = [];
  let current = '';
  for (const raw of body.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    commands.push(current + line);
    current = '';
  }
  if (current !== '') commands.push(current);
  return commands;
}

/** What a ts block says it prints: the trailing comments of its `console.log(…);` lines, in order. */
export function expectedOutput(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    const m = /\bconsole\.log\(.*\);\s*\/\/\s*(.*)$/.exec(line);
    if (m) out.push(m[1]!.trim());
  }
  return out;
}

/** Bash functions that make `obs-sse` and `npx obs-sse` run the built CLI at `bin`. */
export function shellPrelude(bin: string): string {
  const quoted = `'${bin.replace(/'/g, `'\\''`)}'`;
  return [
    `obs-sse() { node ${quoted} "$@"; }`,
    `npx() { if [ "$1" = obs-sse ]; then shift; node ${quoted} "$@"; else command npx "$@"; fi; }`,
    '',
  ].join('\n');
}

/**
 * Differences in keys between a documented JSON sample and real output, as JSON-pointer-like paths: a key
 * the sample shows that the output lacks, or one the output has that the sample leaves out. Arrays are
 * compared through their first elements; an empty array on either side is not compared further.
 */
export function keyDifferences(sample: unknown, actual: unknown, at = ''): string[] {
  if (Array.isArray(sample) && Array.isArray(actual)) {
    return sample.length && actual.length ? keyDifferences(sample[0], actual[0], `${at}/0`) : [];
  }
  if (!isObject(sample) || !isObject(actual)) return [];
  const diffs: string[] = [];
  for (const k of Object.keys(sample)) {
    if (!(k in actual)) diffs.push(`${at}/${k}: in the sample, not in the output`);
    else diffs.push(...keyDifferences(sample[k], actual[k], `${at}/${k}`));
  }
  for (const k of Object.keys(actual)) {
    if (!(k in sample)) diffs.push(`${at}/${k}: in the output, not in the sample`);
  }
  return diffs;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Shell blocks that run `obs-sse` but carry no doc-test marker, as `file:line`: every such command is
 * either run by the test or skipped with a reason, so a new example cannot slip past unchecked.
 */
export function unmarkedCommandBlocks(file: string, text: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  let inFence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inFence !== undefined) {
      if (line.startsWith(inFence)) inFence = undefined;
      continue;
    }
    const fence = /^(`{3,})\s*(sh|bash|shell|console)\b/.exec(line);
    if (!fence) {
      if (/^`{3,}/.test(line)) inFence = /^`+/.exec(line)![0];
      continue;
    }
    inFence = fence[1];
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]!));
    const body = lines.slice(i + 1, end < 0 ? undefined : end).join('\n');
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    if (/\bobs-sse\b/.test(body) && !MARKER.test(lines[before] ?? '')) out.push(`${file}:${i + 1}`);
  }
  return out;
}
