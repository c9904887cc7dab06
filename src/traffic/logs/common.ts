/**
 * What the gateway log readers share: reading a field without trusting it, and building the exchange.
 * Header values follow the log conventions of ../records.ts (`""`, `"-"` and null mean absent).
 */
import type { Exchange, HeaderPair } from '../exchange';
import { isObject, ShapeError, toHeaderPairs } from '../records';

export { isObject, ShapeError };

/** A string field, or undefined when it is absent or written as absent (`""`, `"-"`, null). */
export function text(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v !== '' && v !== '-' ? v : undefined;
}

/** An HTTP status written as a number or a numeric string; undefined when absent or 0 (no response). */
export function statusOf(v: unknown, field: string): number | undefined {
  const s = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (s === undefined || s === null || s === '' || s === '-' || s === 0) return undefined;
  if (typeof s !== 'number' || !Number.isInteger(s))
    throw new ShapeError(`"${field}" must be an HTTP status`);
  return s;
}

/** Header pairs from a `{name: value}` map (or pairs) in a log, absent values dropped. */
export function headersOf(v: unknown, field: string): HeaderPair[] {
  if (v === undefined || v === null) return [];
  return toHeaderPairs(v, field, true);
}

/** The parts of one logged exchange. */
export interface LoggedExchange {
  method: unknown;
  url: string | undefined;
  requestHeaders: HeaderPair[];
  status?: number;
  responseHeaders?: HeaderPair[];
  scheme?: 'http' | 'https';
  startedDateTime?: string;
}

/** Builds the exchange, or throws naming the field the log shape lacks. */
export function exchangeOf(
  e: LoggedExchange,
  entry: number,
  fields: { method: string; url: string },
): Exchange {
  const method = text(e.method);
  if (method === undefined) throw new ShapeError(`"${fields.method}" is missing`);
  if (e.url === undefined) throw new ShapeError(`"${fields.url}" is missing`);
  const ex: Exchange = { entry, method, url: e.url, requestHeaders: e.requestHeaders };
  if (e.status !== undefined) {
    ex.status = e.status;
    ex.responseHeaders = e.responseHeaders ?? [];
  }
  if (e.scheme) ex.scheme = e.scheme;
  if (e.startedDateTime !== undefined) ex.startedDateTime = e.startedDateTime;
  return ex;
}

/** `http`/`https` from a logged scheme or protocol name, else undefined. */
export function schemeOf(v: unknown): 'http' | 'https' | undefined {
  const s = text(v)?.toLowerCase();
  return s === 'http' || s === 'https' ? s : undefined;
}
