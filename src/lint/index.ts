/** `obs-sse lint` without the command line: stream recordings through the checks and collect findings. */
export { emptySummary, lint, lintTo } from './pipeline';
export type { Aggregate, CheckedTally, Group, Place, Tally, Timeline } from './aggregate';
export type { ExchangeExample } from './example';
export { clientOf } from './client';
export { fileInput, streamInput, STDIN_NAME, type LintInput, type OpenedInput } from './inputs';
export { urlIgnorer } from './ignore';
export { codeCatalogue, describeProvenance, provenanceSummary, type CodeInfo } from './codes';
export * from './types';
