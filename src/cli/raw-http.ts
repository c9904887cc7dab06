/**
 * Raw HTTP message text, as `obs-sse check` reads it from standard input: an optional start line
 * (`PUT /bucket/key HTTP/1.1` or `HTTP/1.1 200 OK`), header lines, and after a blank line a body.
 */
import { UsageError } from './io';

/** A parsed message. */
export interface RawMessage {
  request?: { method: string; target: string };
  response?: { status: number };
  headers: [string, string][];
  body?: string;
}

const REQUEST_LINE = /^([A-Za-z]+) (\S+)(?: HTTP\/\d(?:\.\d)?)?$/;
const STATUS_LINE = /^HTTP\/\d(?:\.\d)? (\d{3})(?: .*)?$/;
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/** Parses message text; a line that is neither a start line nor a header is a usage error naming it. */
export function parseRawHttp(text: string, usage: string): RawMessage {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const msg: RawMessage = { headers: [] };
  let i = 0;
  while (i < lines.length && lines[i]?.trim() === '') i++;
  const first = lines[i] ?? '';
  const req = REQUEST_LINE.exec(first);
  const res = STATUS_LINE.exec(first);
  if (res) {
    msg.response = { status: Number(res[1]) };
    i++;
  } else if (req && !HEADER.test(first)) {
    msg.request = { method: (req[1] ?? '').toUpperCase(), target: req[2] ?? '/' };
    i++;
  }
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') {
      const body = lines.slice(i + 1).join('\r\n');
      if (body !== '') msg.body = body;
      break;
    }
    const last = msg.headers[msg.headers.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      // An obsolete folded continuation line belongs to the header above.
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const h = HEADER.exec(line);
    if (!h) {
      // The line itself is not repeated: it may hold a customer key.
      throw new UsageError(
        `line ${i + 1} of the message is neither a start line nor a 'name: value' header`,
        usage,
      );
    }
    msg.headers.push([h[1] ?? '', h[2] ?? '']);
  }
  return msg;
}
