/**
 * `npm run bench`: every benchmark of the project, one after the other, each printing its own markdown table
 * of medians and ratios measured in the same run. Sections run as child processes so that one section's heap
 * and JIT state do not colour the next. `npm run bench -- engine lint` runs only the named sections.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const tsx = path.join(__dirname, '../node_modules/.bin/tsx');
const SECTIONS: Record<string, { title: string; file: string; args?: string[] }> = {
  engine: { title: 'Engine: ns/op on 12-header PutObject requests', file: 'engine.ts' },
  package: { title: 'Package: cold start, pure MD5, core bundle size', file: 'package.ts' },
  readers: { title: 'Traffic readers: MB/s against the read+JSON.parse floor', file: 'traffic-readers.ts' },
  lint: { title: 'obs-sse lint: 1 GB NDJSON and 200 MB HAR', file: 'lint.ts' },
  'lint-findings': {
    title: 'obs-sse lint on a findings-heavy NDJSON (a quarter of exchanges with errors), every format',
    file: 'lint-findings.ts',
  },
  proxy: { title: 'obs-sse proxy under load (autocannon, 64 connections, 10 s)', file: 'proxy-load.ts' },
  scale: { title: 'Scale: obs-sse authz inside nginx, proxy workers, bulk bodies', file: 'scale.ts' },
  forwarders: { title: 'Bulk uploads through bare Node forwarders, no guard', file: 'forwarders.ts' },
};

// Ratios only compare within one run, but a table still needs its machine, Node version and date to be read
// beside another (docs/benchmarks.md).
const cpus = os.cpus();
console.log(
  `# npm run bench, ${new Date().toISOString()}: Node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'},` +
    ` ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
);

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
let failed = false;
for (const [name, section] of Object.entries(SECTIONS)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n## ${section.title}\n`);
  const r = spawnSync(tsx, [path.join(__dirname, section.file), ...(section.args ?? [])], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error(`bench section ${name} failed (exit ${r.status})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
