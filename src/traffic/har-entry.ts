/** One HAR entry, once its text is parsed: converted to an exchange, or located when it is not JSON. */
import type { Exchange, HeaderPair, TextPosition } from './exchange';
import { locateJsonError } from './json-locate';
import { isObject, ShapeError, toHeaderPairs, toKeyChecks, toPostData } from './records';

/** Converts one parsed HAR entry. @throws ShapeError naming the offending field. */
export function harEntryToExchange(v: unknown, entry: number, maxResponseText = 64 * 1024): Exchange {
  if (!isObject(v)) throw new ShapeError('the entry is not an object');
  const req = v.request;
  if (!isObject(req)) throw new ShapeError('"request" must be an object');
  if (typeof req.method !== 'string' || req.method === '') {
    throw new ShapeError('"request.method" must be a non-empty string');
  }
  if (typeof req.url !== 'string' || req.url === '')
    throw new ShapeError('"request.url" must be a non-empty string');
  const requestHeaders: HeaderPair[] =
    req.headers === undefined ? [] : toHeaderPairs(req.headers, 'request.headers');
  const exchange: Exchange = { entry, method: req.method, url: req.url, requestHeaders };
  if (req.postData !== undefined && req.postData !== null) {
    exchange.postData = toPostData(req.postData, 'request.postData');
  }
  if (typeof v.startedDateTime === 'string') exchange.startedDateTime = v.startedDateTime;
  if (v._obsSse !== undefined) exchange.keyChecks = toKeyChecks(v._obsSse, '_obsSse');
  const res = v.response;
  // HAR writes status 0 for a request that got no response (blocked, aborted, failed).
  if (isObject(res) && typeof res.status === 'number' && res.status > 0) {
    exchange.status = res.status;
    exchange.responseHeaders =
      res.headers === undefined ? [] : toHeaderPairs(res.headers, 'response.headers');
    const content = res.content;
    if (isObject(content) && typeof content.text === 'string') {
      let text: string | undefined = content.text;
      if (content.encoding === 'base64') {
        text =
          text.length <= Math.ceil(maxResponseText / 3) * 4
            ? Buffer.from(text, 'base64').toString('utf8')
            : undefined;
      }
      if (text !== undefined && text.length <= maxResponseText) exchange.responseText = text;
    }
  }
  return exchange;
}

/**
 * Where an entry's text stops being JSON, as a position in the file, with the parser's message. `start`
 * is where the entry starts; `shortened` says long strings were cut out of `bytes`, after which offsets
 * inside the entry no longer match the file and only its start is given.
 */
export function entrySyntaxError(
  bytes: Buffer,
  start: TextPosition,
  shortened: boolean,
): { position: TextPosition; message: string } {
  const loc = locateJsonError(bytes);
  const at = loc?.index ?? 0;
  let position: TextPosition;
  if (shortened) {
    position = start;
  } else {
    let line = start.line ?? 1;
    let lastNl = -1;
    for (let k = bytes.indexOf(10); k !== -1 && k < at; k = bytes.indexOf(10, k + 1)) {
      line++;
      lastNl = k;
    }
    const column = lastNl === -1 ? (start.column ?? 1) + at : at - lastNl;
    position = { line, column, offset: (start.offset ?? 0) + at };
  }
  return {
    position,
    message: `invalid JSON at line ${position.line}, column ${position.column}: ${loc?.message ?? 'not parseable'}`,
  };
}
