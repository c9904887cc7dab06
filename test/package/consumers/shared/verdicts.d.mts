import type { sseCHeaders, validateHeaders } from 'obs-sse-rules';

export interface Verdict {
  valid: boolean;
  codes: string[];
}
export function verdicts(api: {
  sseCHeaders: typeof sseCHeaders;
  validateHeaders: typeof validateHeaders;
}): Verdict[];
