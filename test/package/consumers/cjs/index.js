const api = require('obs-sse-rules');
// Every Node subpath loads from CommonJS.
const subpaths = ['rules', 'guard', 'undici', 'proxy', 'lint', 'har', 'ajv'].map((p) => [
  p,
  Object.keys(require(`obs-sse-rules/${p}`)).length,
]);
import('../shared/verdicts.mjs').then(({ verdicts }) => {
  console.log(
    JSON.stringify({
      verdicts: verdicts(api),
      subpaths,
      openapi: require('obs-sse-rules/openapi.json').openapi,
    }),
  );
});
