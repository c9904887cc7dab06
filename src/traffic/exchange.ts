/**
 * The common shape the traffic readers (HAR, NDJSON) produce and the linter consumes.
 *
 * Header names keep the spelling of the recording: HTTP header names are case-insensitive and the
 * engine compares them that way, so lower-casing here would only lose information for messages.
 */
import type { HarKeyCheck } from '../har/types';

/** One header as recorded; a header recorded with several values becomes several pairs. */
export type HeaderPair = [name: string, value: string];

/** A form field of a recorded request body (HAR `postData.params`). */
export interface PostDataParam {
  name: string;
  value: string;
  /** Present for file parts of a multipart form; such a part's value is file content. */
  fileName?: string;
  contentType?: string;
}

/** A recorded request body, as HAR 1.2 `postData` carries it. */
export interface PostData {
  mimeType?: string;
  params?: PostDataParam[];
  text?: string;
}

/** One recorded HTTP request with, when recorded, its response. */
export interface Exchange {
  /**
   * Where the exchange was recorded: the 0-based index in the HAR `log.entries` array, or the
   * 0-based line number of an NDJSON file (blank lines count, so `entry + 1` is the editor line).
   */
  entry: number;
  method: string;
  /** As recorded: usually absolute (`https://host/path?query`), possibly origin-form (`/path`). */
  url: string;
  requestHeaders: HeaderPair[];
  /** Absent when no response was recorded (HAR status 0 means "no response"). */
  status?: number;
  responseHeaders?: HeaderPair[];
  postData?: PostData;
  /** A small textual response body (e.g. the XML of InitiateMultipartUpload); larger ones are dropped. */
  responseText?: string;
  startedDateTime?: string;
  /**
   * The transport of the hop to OBS, when the recording states it apart from the URL: a log taken on
   * a plain-HTTP hop in front of an HTTPS upstream records `http://` URLs for requests OBS got over TLS.
   */
  scheme?: 'http' | 'https';
  /** Set when the reader shortened at least one very long string of the record to bound memory. */
  truncated?: boolean;
  /** A proxy HAR's `_obsSse.keyChecks`: what the proxy concluded about the customer keys it redacted. */
  keyChecks?: HarKeyCheck[];
}

/** Where in the input an error was found. Lines and columns are 1-based; offset is a 0-based byte offset. */
export interface TextPosition {
  line?: number;
  /** 1-based, counted in bytes from the start of the line. */
  column?: number;
  offset?: number;
}

/** A record that could not be read; readers yield it and, where the input allows, keep going. */
export interface TrafficError {
  kind: 'error';
  /** The HAR entry index or NDJSON 0-based line number the error belongs to, when it belongs to one. */
  entry?: number;
  position: TextPosition;
  message: string;
}

/** What the readers yield. */
export type TrafficItem = { kind: 'exchange'; exchange: Exchange } | TrafficError;

/** Anything the readers can consume: a Node `Readable` (including `process.stdin`) or any async iterable. */
export type ByteSource = AsyncIterable<Buffer | Uint8Array | string>;
