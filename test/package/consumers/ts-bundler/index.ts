import { sseCHeaders, validateHeaders } from 'obs-sse-rules';
import { obsSseMiddleware } from 'obs-sse-rules/guard';
import { obsSseGuard } from 'obs-sse-rules/undici';
import { verdicts } from '../shared/verdicts.mjs';

console.log(
  JSON.stringify({
    verdicts: verdicts({ sseCHeaders, validateHeaders }),
    subpaths: [obsSseMiddleware, obsSseGuard].filter((f) => typeof f === 'function').length,
  }),
);
