/**
 * `obs-sse-rules/guard` (Node): the guard that the proxy, the undici interceptor and the middleware share,
 * the node:http/Express/Connect middleware, and the guard's errors and log lines.
 */
export * from '../guard';
export type { UploadSessionStore, Fingerprint } from '../traffic/upload-id';
export { MemoryUploadSessionStore, type MemoryUploadSessionStoreOptions } from '../traffic/upload-id';
export type {
  ExchangeLogLine,
  GuardRequest,
  GuardResponse,
  ProxyGuard,
  ProxyMode,
  RequestVerdict,
  ResponseFindings,
  UpstreamScheme,
} from '../guard/contract';
