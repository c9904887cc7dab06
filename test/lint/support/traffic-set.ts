/**
 * A small hand-written set of SSE requests, correct and wrong, that the real-recorder tests send
 * through each recorder (Chromium with Playwright, undici with OpenTelemetry) in front of the stand-in.
 */
import { H, KEY_ID, md5b64, newKey } from '../../helpers';

/** One request: method, path below the bucket, headers. */
export type TrafficRequest = [method: string, path: string, headers: Record<string, string>];

/** The requests, with a fresh customer key; the codes they must raise are {@link TRAFFIC_SET_CODES}. */
export function trafficSet(): TrafficRequest[] {
  const key = newKey();
  const ssec = { [H.cAlg]: 'AES256', [H.cKey]: key, [H.cMd5]: md5b64(key) };
  return [
    ['PUT', '/kms.bin', { [H.sse]: 'kms' }],
    // Wrong: the method value is case-sensitive.
    ['PUT', '/kms-wrong-case.bin', { [H.sse]: 'KMS' }],
    ['PUT', '/sse-c.bin', ssec],
    // Wrong: the key MD5 is missing.
    ['PUT', '/sse-c-no-md5.bin', { [H.cAlg]: 'AES256', [H.cKey]: key }],
    // Wrong: a KMS key id without the KMS method.
    ['PUT', '/kms-key-without-kms.bin', { [H.kmsKey]: KEY_ID }],
    ['GET', '/sse-c.bin', ssec],
    // Wrong: HeadObject takes no SSE method header.
    ['HEAD', '/kms.bin', { [H.sse]: 'kms' }],
  ];
}

/** The codes the set raises. */
export const TRAFFIC_SET_CODES = [
  'value/not-allowed',
  'sse-c/incomplete',
  'sse-kms/key-id-requires-kms',
  'header/not-allowed',
];

/** Every SSE header name the set sends, for recorders that capture listed headers only. */
export const TRAFFIC_SET_HEADERS = [H.sse, H.kmsKey, H.cAlg, H.cKey, H.cMd5];
