/**
 * What the playground reads from a paste: raw header lines (optionally after a request or status line), a
 * curl command, or a HAR (a whole log or one entry). Pure, so test/playground/input.test.ts runs it in Node.
 */

export type HeaderPair = [string, string];

export interface PastedMessage {
  /** What the text was read as. */
  format: 'headers' | 'curl' | 'har';
  method?: string;
  url?: string;
  request: HeaderPair[];
  /** Response headers, from a HAR entry or a pasted status line. */
  response?: HeaderPair[];
  /** Problems worth showing next to the verdict (an option curl takes that is ignored, a HAR without entries). */
  notes: string[];
}

/** Splits a shell command line into words: single and double quotes, backslash escapes, line continuations. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (c === '\\') {
      const next = text[i + 1];
      i++;
      if (next === '\n' || next === undefined) continue;
      word = (word ?? '') + (quote === '"' && !'"\\$`'.includes(next) ? `\\${next}` : next);
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

function headerLine(line: string): HeaderPair | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

/** Options of curl that take a value but say nothing about the request's SSE headers. */
const VALUED = new Set([
  '-o',
  '--output',
  '-u',
  '--user',
  '-A',
  '--user-agent',
  '-e',
  '--referer',
  '-b',
  '--cookie',
  '--connect-timeout',
  '-m',
  '--max-time',
  '--cacert',
  '--cert',
  '--key',
  '-x',
  '--proxy',
  '-w',
  '--write-out',
  '-F',
  '--form',
  '--data-binary',
  '--data-raw',
  '--data-urlencode',
]);

function fromCurl(text: string): PastedMessage {
  const words = shellWords(text).slice(1);
  const out: PastedMessage = { format: 'curl', request: [], notes: [] };
  let body: 'data' | 'upload' | 'form' | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const value = () => words[++i] ?? '';
    if (w === '-X' || w === '--request') out.method = value();
    else if (w === '-H' || w === '--header') {
      const h = headerLine(value());
      if (h) out.request.push(h);
    } else if (w === '-I' || w === '--head') out.method ??= 'HEAD';
    else if (w === '-T' || w === '--upload-file') {
      value();
      body = 'upload';
    } else if (w === '-d' || w === '--data' || w.startsWith('--data-')) {
      value();
      body ??= 'data';
    } else if (w === '-F' || w === '--form') {
      value();
      body = 'form';
    } else if (VALUED.has(w)) value();
    else if (w.startsWith('-')) continue;
    else out.url ??= w;
  }
  out.method ??= body === 'upload' ? 'PUT' : body ? 'POST' : 'GET';
  if (body === 'form')
    out.notes.push(
      'Form fields (-F) are not read here; paste the fields as header lines to check a PostObject.',
    );
  return out;
}

interface HarLike {
  request?: { method?: string; url?: string; headers?: { name?: unknown; value?: unknown }[] };
  response?: { headers?: { name?: unknown; value?: unknown }[] };
}

function harPairs(list: { name?: unknown; value?: unknown }[] | undefined): HeaderPair[] {
  return (Array.isArray(list) ? list : [])
    .filter((h) => typeof h?.name === 'string')
    .map((h) => [String(h.name), String(h.value ?? '')]);
}

function fromHar(data: unknown, entryIndex: number): PastedMessage {
  const out: PastedMessage = { format: 'har', request: [], notes: [] };
  const log = (data as { log?: { entries?: HarLike[] } }).log;
  const entries: HarLike[] = log ? (Array.isArray(log.entries) ? log.entries : []) : [data as HarLike];
  const entry = entries[Math.min(entryIndex, entries.length - 1)];
  if (!entry?.request) {
    out.notes.push('This JSON has no HAR entry with a request.');
    return out;
  }
  if (entries.length > 1)
    out.notes.push(`Entry ${Math.min(entryIndex, entries.length - 1) + 1} of ${entries.length}.`);
  out.method = entry.request.method;
  out.url = entry.request.url;
  out.request = harPairs(entry.request.headers);
  if (entry.response) out.response = harPairs(entry.response.headers);
  return out;
}

function fromHeaderLines(text: string): PastedMessage {
  const out: PastedMessage = { format: 'headers', request: [], notes: [] };
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines[0] ?? '';
  const requestLine = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/[\d.]+)?$/.exec(first);
  const statusLine = /^HTTP\/[\d.]+\s+\d{3}/.test(first);
  if (requestLine) {
    out.method = requestLine[1];
    out.url = requestLine[2];
  }
  const pairs = lines.slice(requestLine || statusLine ? 1 : 0).flatMap((l) => {
    const h = headerLine(l);
    return h ? [h] : [];
  });
  if (statusLine) out.response = pairs;
  else out.request = pairs;
  return out;
}

/** Reads pasted text as a HAR, a curl command or header lines, whichever it looks like. */
export function readPaste(text: string, entryIndex = 0): PastedMessage {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return fromHar(JSON.parse(trimmed), entryIndex);
    } catch (err) {
      return { format: 'har', request: [], notes: [`Not valid JSON: ${(err as Error).message}`] };
    }
  }
  if (/^curl\s/.test(trimmed)) return fromCurl(trimmed);
  return fromHeaderLines(trimmed);
}
