/**
 * Runs `lint` on one file in a process of its own and prints the result as JSON, so a test can
 * compare the worker-thread path (which needs tsx in the worker, not ts-jest) with the in-thread one.
 *
 *   node --import tsx test/lint/support/lint-child.ts FILE JOBS BATCH_BYTES
 */
import { fileInput, lint } from '../../../src/lint';
import { workerScript } from '../../../src/lint/parallel';

async function main(): Promise<void> {
  const [file, jobs, batchBytes] = process.argv.slice(2);
  if (!file) throw new Error('usage: lint-child FILE JOBS BATCH_BYTES');
  const result = await lint([fileInput(file, 'input.ndjson')], {
    jobs: Number(jobs),
    batchBytes: Number(batchBytes),
    parallelMinBytes: 0,
    keepExchanges: true,
  });
  // Says whether worker threads could start here, so the test cannot pass by silently staying in-thread.
  process.stdout.write(JSON.stringify({ result, workers: workerScript() !== undefined }));
}

main().catch((err: unknown) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err));
  process.exitCode = 1;
});
