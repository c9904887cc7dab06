/** The traffic input layer of `obs-sse lint`: readers, format detection and request classification. */
export type {
  ByteSource,
  Exchange,
  HeaderPair,
  PostData,
  PostDataParam,
  TextPosition,
  TrafficError,
  TrafficItem,
} from './exchange';
export {
  readNdjson,
  NdjsonSplitter,
  ndjsonRecordToExchange,
  NDJSON_SHAPE,
  DEFAULT_MAX_LINE_BYTES,
  type NdjsonOptions,
  type RecordShape,
} from './ndjson';
export { readHar, HarScanner, harEntryToExchange, type HarOptions } from './har';
export {
  detectStream,
  sniffFormat,
  formatFromFileName,
  TRAFFIC_FORMATS,
  type Detected,
  type DetectOptions,
  type SniffResult,
  type TrafficFormat,
} from './detect';
export {
  classify,
  bucketFromHost,
  normalizeEndpoint,
  type Addressing,
  type Classification,
  type ClassifiedOperation,
  type ClassifyInput,
  type SkippedRequest,
  type SkipReason,
} from './classify';
export { formFields } from './form';
export { presignedSseParams } from './presigned';
export {
  extractUploadId,
  fingerprintFromHeaders,
  MemoryUploadSessionStore,
  type Fingerprint,
  type MemoryUploadSessionStoreOptions,
  type UploadSessionStore,
} from './upload-id';
export { ShapeError } from './records';
export {
  unwrapContainers,
  sniffContainer,
  ContainerError,
  type ContainerKind,
  type ContainerLimits,
  type Unwrapped,
} from './container';
export { LOG_PRESETS, presetOf, type LogPreset } from './logs';
