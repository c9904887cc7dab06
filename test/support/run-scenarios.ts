/**
 * Runs the SDK scenarios of ./sdk.ts against a local endpoint (a stand-in, or a proxy in front of
 * one) and prints one line per scenario. Only 127.0.0.1 is ever contacted.
 *
 *   npx tsx test/support/run-scenarios.ts --port 9000 [--mode obs|s3|s3-v4|s3-virtual|all] [--https] [--only id,id]
 */
import { parseArgs } from 'node:util';
import { DIALECT_OF, runScenarios, type SdkMode } from './sdk';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      mode: { type: 'string', default: 'all' },
      https: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0) throw new Error('--port N is required');
  const modes = values.mode === 'all' ? (Object.keys(DIALECT_OF) as SdkMode[]) : [values.mode as SdkMode];
  for (const mode of modes) {
    if (!(mode in DIALECT_OF)) throw new Error(`unknown --mode ${mode}`);
    const options = values.only ? { only: values.only.split(',') } : {};
    const results = await runScenarios({ port, mode, https: values.https }, options);
    for (const r of results) {
      const outcome = r.error ? `error ${r.error}` : `${r.status ?? '-'} ${r.code ?? ''}`;
      process.stdout.write(`${mode.padEnd(10)} ${r.kind.padEnd(7)} ${r.id.padEnd(36)} ${outcome}\n`);
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
