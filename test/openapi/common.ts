/**
 * What the OpenAPI tests share between jest and the validator process: the verdict subset, the message
 * shape, and the engine's verdict cut down to that subset.
 */
import * as path from 'node:path';
import type { Route } from '../../scripts/lib/openapi';
import { validateHeaders } from '../../src';
import type { Direction, Operation } from '../../src/types';

export const DOC_FILE = path.join(__dirname, '../../generated/openapi.json');

/**
 * The codes whose verdict OpenAPI can express: whether the header is taken by this operation and direction
 * (a `not: {}` schema), and whether its value is allowed (enum, pattern, maxLength).
 */
export const SUBSET = [
  'header/not-allowed',
  'sse-c/invalid-key',
  'sse-c/invalid-md5',
  'sse-c/key-in-response',
  'sse-kms/invalid-key-id',
  'sse-kms/invalid-project-id',
  'value/not-allowed',
];

export type { Route };

/** One message in transport form. */
export interface Message {
  operation: Operation;
  direction: Direction;
  /** SSE headers (other headers may ride along); for PostObject requests, the form fields. */
  sse: (readonly [string, string])[];
  /** Request path with query, path-style; made up from the route when absent. */
  url?: string;
  status?: number;
}

const PLACEHOLDER_VALUES: Record<string, string> = { N: '1', U: 'upload-1', P: '0' };

/** A path-style URL for an operation, from its route (bucket `bkt`, key `obj`). */
export function urlFor(route: Route): string {
  const p = route.path.replace('{bucket}', 'bkt').replace('{key}', 'obj');
  const q = route.query.map((x) =>
    x.placeholder ? `${x.name}=${PLACEHOLDER_VALUES[x.placeholder]}` : x.name,
  );
  return q.length ? `${p}?${q.join('&')}` : p;
}

/** The engine's verdict on a message as `code header` pairs within the subset, and the error codes outside it. */
export function engineVerdict(m: Message): { pairs: string[]; outside: string[] } {
  const r = validateHeaders({ operation: m.operation, direction: m.direction, headers: m.sse });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  return {
    pairs: [
      ...new Set(errors.filter((d) => SUBSET.includes(d.code)).map((d) => `${d.code} ${d.header}`)),
    ].sort(),
    outside: errors.filter((d) => !SUBSET.includes(d.code)).map((d) => d.code),
  };
}
