// The core in a browser: no @types/node to compile, no shim to bundle.
import { sseCHeaders, validateHeaders } from 'obs-sse-rules';
import { verdicts } from '../shared/verdicts.mjs';

(globalThis as { verdicts?: unknown }).verdicts = verdicts({ sseCHeaders, validateHeaders });
document.title = 'done';
