import { sseCHeaders, validateHeaders, type DiagnosticCode, type SseHeaders } from 'obs-sse-rules';
import { createEngineGuard, obsSseMiddleware } from 'obs-sse-rules/guard';
import { obsSseGuard } from 'obs-sse-rules/undici';
import { createProxy } from 'obs-sse-rules/proxy';
import { lint, FORMATTERS } from 'obs-sse-rules/lint';
import { HarWriter } from 'obs-sse-rules/har';
import { loadRuleSet } from 'obs-sse-rules/rules';
import { addObsSseKeywords } from 'obs-sse-rules/ajv';
import { verdicts } from '../shared/verdicts.mjs';

const code: DiagnosticCode = 'sse-c/md5-mismatch';
const typed: SseHeaders<'GetObject', 'request'> = {};
const loaded = [
  createEngineGuard,
  obsSseMiddleware,
  obsSseGuard,
  createProxy,
  lint,
  HarWriter,
  loadRuleSet,
  addObsSseKeywords,
];
console.log(
  JSON.stringify({
    verdicts: verdicts({ sseCHeaders, validateHeaders }),
    subpaths: loaded.filter((f) => typeof f === 'function').length,
    formats: Object.keys(FORMATTERS).length,
    code,
    typed: Object.keys(typed).length,
  }),
);
