/** `obs-sse-rules/har` (Node): HAR 1.2 reading (streamed) and writing, with secrets redacted on the way out. */
export * from '../har/writer';
export { readHar, HarScanner, harEntryToExchange, type HarOptions } from '../traffic/har';
