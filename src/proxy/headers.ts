/**
 * Header helpers moved to src/guard/headers.ts (judging and forwarding share one hop-by-hop policy);
 * re-exported here so that imports of the old path keep working.
 */
export {
  firstValue as headerValue,
  flatHeaderValue,
  loggableDiagnostics,
  stripHopByHop,
  stripHopByHopFlat,
  summarizeHead,
  toFlat,
  toPairs,
  type HeadSummary,
} from '../guard/headers';
