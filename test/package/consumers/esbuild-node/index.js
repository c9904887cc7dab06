// The usual serverless build: one file for Node, run where no rules/ directory exists.
import * as api from 'obs-sse-rules';
import { verdicts } from '../shared/verdicts.mjs';

console.log(JSON.stringify({ verdicts: verdicts(api) }));
