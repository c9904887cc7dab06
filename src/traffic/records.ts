/**
 * Shape checks shared by the readers: turning parsed JSON records into `Exchange`s without
 * trusting them, and saying precisely what is wrong when they do not fit.
 */
import type { HarKeyCheck } from '../har/types';
import type { HeaderPair, PostData, PostDataParam } from './exchange';

/** A shape error: what is wrong, phrased to follow "field X ...". */
export class ShapeError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BAD_VALUE = 'must be a string, a number or an array of strings';

/**
 * How logs write a header the request did not carry: nginx and APISIX write `""`, Envoy and Traefik
 * `-` (or `null`, which is absent everywhere). In a log these mean "absent", never "sent empty".
 */
const isLoggedAbsence = (v: string): boolean => v === '' || v === '-';

function scalar(out: HeaderPair[], name: string, v: unknown, log: boolean): boolean {
  if (typeof v === 'string') {
    if (!(log && isLoggedAbsence(v))) out.push([name, v]);
  } else if (typeof v === 'number' || typeof v === 'boolean') out.push([name, String(v)]);
  // node:http leaves unset headers as undefined; a log may write them as null.
  else if (v !== undefined && v !== null) return false;
  return true;
}

/**
 * Appends the pairs of one header; false when the value has an unusable type. The caller builds
 * the error text: this runs for every header of every record, so nothing is allocated for it here.
 */
function pushValue(out: HeaderPair[], name: string, v: unknown, log: boolean): boolean {
  if (!Array.isArray(v)) return scalar(out, name, v, log);
  for (const item of v) if (Array.isArray(item) || !scalar(out, name, item, log)) return false;
  return true;
}

/**
 * Accepts `{name: value}` maps (values: string, number, or arrays of them, which become repeated
 * pairs), arrays of `[name, value]` pairs, and HAR-style arrays of `{name, value}` objects. With
 * `log` (NDJSON and gateway logs, not HAR), `""` and `"-"` values mean the header was absent.
 */
export function toHeaderPairs(v: unknown, field: string, log = false): HeaderPair[] {
  const out: HeaderPair[] = [];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') {
        if (!pushValue(out, item[0], item[1], log)) throw new ShapeError(`${field}[${i}][1] ${BAD_VALUE}`);
      } else if (isObject(item) && typeof item.name === 'string') {
        if (!pushValue(out, item.name, item.value, log))
          throw new ShapeError(`${field}[${i}].value ${BAD_VALUE}`);
      } else {
        throw new ShapeError(`${field}[${i}] must be a [name, value] pair or a {name, value} object`);
      }
    }
    return out;
  }
  if (isObject(v)) {
    for (const name in v) {
      if (!pushValue(out, name, v[name], log)) throw new ShapeError(`${field}["${name}"] ${BAD_VALUE}`);
    }
    return out;
  }
  throw new ShapeError(`${field} must be an object of header values or an array of [name, value] pairs`);
}

/** Reads a HAR/NDJSON `postData` object; unknown members are ignored. */
export function toPostData(v: unknown, field: string): PostData {
  if (!isObject(v)) throw new ShapeError(`${field} must be an object`);
  const out: PostData = {};
  if (typeof v.mimeType === 'string') out.mimeType = v.mimeType;
  if (typeof v.text === 'string') out.text = v.text;
  if (v.params !== undefined) {
    if (!Array.isArray(v.params)) throw new ShapeError(`${field}.params must be an array`);
    const params: PostDataParam[] = [];
    for (let i = 0; i < v.params.length; i++) {
      const p: unknown = v.params[i];
      if (!isObject(p) || typeof p.name !== 'string') {
        throw new ShapeError(`${field}.params[${i}] must be an object with a string name`);
      }
      const param: PostDataParam = { name: p.name, value: typeof p.value === 'string' ? p.value : '' };
      if (typeof p.fileName === 'string') param.fileName = p.fileName;
      if (typeof p.contentType === 'string') param.contentType = p.contentType;
      params.push(param);
    }
    out.params = params;
  }
  return out;
}

/** How many key checks one entry may carry: a request has at most two customer keys (target and copy source). */
const MAX_KEY_CHECKS = 8;

/** Reads a proxy HAR's `_obsSse` field. @throws ShapeError naming the offending part. */
export function toKeyChecks(v: unknown, field: string): HarKeyCheck[] {
  if (!isObject(v) || !Array.isArray(v.keyChecks))
    throw new ShapeError(`${field}.keyChecks must be an array`);
  if (v.keyChecks.length > MAX_KEY_CHECKS)
    throw new ShapeError(`${field}.keyChecks has ${v.keyChecks.length} items; at most ${MAX_KEY_CHECKS}`);
  return v.keyChecks.map((c: unknown, i): HarKeyCheck => {
    const at = `${field}.keyChecks[${i}]`;
    if (!isObject(c) || typeof c.header !== 'string')
      throw new ShapeError(`${at} must be an object with a string header`);
    if (!Array.isArray(c.codes) || !c.codes.every((x) => typeof x === 'string'))
      throw new ShapeError(`${at}.codes must be an array of strings`);
    const out: HarKeyCheck = { header: c.header.toLowerCase(), codes: c.codes as string[] };
    if (c.keyBytes !== undefined) {
      if (!Number.isSafeInteger(c.keyBytes) || (c.keyBytes as number) < 0)
        throw new ShapeError(`${at}.keyBytes must be a non-negative integer`);
      out.keyBytes = c.keyBytes as number;
    }
    if (c.md5Matches !== undefined) {
      if (typeof c.md5Matches !== 'boolean') throw new ShapeError(`${at}.md5Matches must be a boolean`);
      out.md5Matches = c.md5Matches;
    }
    return out;
  });
}

export { isObject };
