/**
 * Gateway and tracing log shapes that `obs-sse lint` reads as they are written (presets): each is a
 * line-delimited JSON shape with its own record reader, told from the first line or named with
 * `--input`.
 */
import type { RecordShape } from '../ndjson';
import { ENVOY, isEnvoy } from './envoy';
import { APISIX, isGatewayLog, isKong, KONG } from './gateway';
import { isNginx, NGINX } from './nginx';
import { isOtlp, OTLP } from './otlp';
import { isObject } from './common';

/** The log presets. */
export type LogPreset = 'nginx' | 'kong' | 'apisix' | 'envoy' | 'otlp';

/** Every preset by name. */
export const LOG_PRESETS: Readonly<Record<LogPreset, RecordShape>> = {
  nginx: NGINX,
  kong: KONG,
  apisix: APISIX,
  envoy: ENVOY,
  otlp: OTLP,
};

/** The preset a parsed first line (an object, or a batch array) belongs to, if any. */
export function presetOf(v: unknown): LogPreset | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (!isObject(first)) return undefined;
  if (Array.isArray(v)) return isGatewayLog(first) ? (isKong(first) ? 'kong' : 'apisix') : undefined;
  if (isOtlp(first)) return 'otlp';
  if (isGatewayLog(first)) return isKong(first) ? 'kong' : 'apisix';
  if (isNginx(first)) return 'nginx';
  if (isEnvoy(first)) return 'envoy';
  return undefined;
}
