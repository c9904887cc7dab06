/**
 * Checking one exchange at a time, shared by `obs-sse lint` and the reverse proxy: request rules,
 * response rules and echoes, and multipart sessions. Independent of files, streams and the CLI.
 */
export {
  inspectRequest,
  type HeaderList,
  type RequestInput,
  type RequestInspection,
  type RequestedSse,
} from './request';
export { inspectResponse, type ResponseInput } from './response';
export { SessionTracker, type SessionResponse, type SessionTrackerOptions } from './session';
export { INSPECT_PROVENANCE, checkerFor, type InspectCode, type InspectOptions } from './report';
export type { SseMethod } from './names';
export { ValidationCache, splitHeaders, type SplitHeaders } from './headers';
export { withoutHiddenKeyContent } from './redacted';
