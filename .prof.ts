import { lint, fileInput } from './src/lint';
(async () => {
  const t0 = Date.now();
  const r = await lint([fileInput('/tmp/obs-sse-bench-lint/lint-100mb.ndjson')], {});
  console.log(Date.now() - t0, r.summary.exchanges, r.summary.errors);
})();
