import * as api from 'obs-sse-rules';
import openapi from 'obs-sse-rules/openapi.json' with { type: 'json' };
import { verdicts } from '../shared/verdicts.mjs';

const subpaths = [];
for (const p of ['rules', 'guard', 'undici', 'proxy', 'lint', 'har', 'ajv']) {
  subpaths.push([p, Object.keys(await import(`obs-sse-rules/${p}`)).length]);
}
console.log(
  JSON.stringify({ verdicts: verdicts(api), subpaths, openapi: openapi.openapi, default: 'default' in api }),
);
