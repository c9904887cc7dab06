/**
 * Pre-signed URLs can carry SSE settings as query parameters instead of headers (reference page,
 * Operations: "Pre-signed URLs may carry x-obs-server-side-encryption as a query parameter").
 */
import type { HeaderPair } from './exchange';
import { parseRequestUrl } from './url';

/**
 * The SSE-looking query parameters of a URL as `[name, value]` pairs, names lower-cased (they are
 * header names, which are case-insensitive): names starting with `x-obs-` or `x-amz-` that contain
 * `server-side-encryption` or `sse`, e.g. `x-obs-server-side-encryption=kms`.
 */
export function presignedSseParams(url: string): HeaderPair[] {
  const out: HeaderPair[] = [];
  const qm = url.indexOf('?');
  if (qm === -1) return out;
  for (const { name, value } of parseRequestUrl(url).query) {
    const lower = name.toLowerCase();
    if (!lower.startsWith('x-obs-') && !lower.startsWith('x-amz-')) continue;
    if (lower.includes('server-side-encryption') || lower.includes('sse')) out.push([lower, value]);
  }
  return out;
}
