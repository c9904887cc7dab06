/**
 * CLI behaviour pinned by scenario directories, test/fixtures/cli/<scenario>/:
 *
 *   args          the argument list, as a JSON array (run with the scenario directory as cwd)
 *   exit          the expected exit code
 *   stdin         optional: piped to standard input
 *   stdout        the expected standard output, exactly (absent: nothing)
 *   stdout.json   instead of stdout: the expected output as JSON (the tool version is ignored)
 *   stderr        the expected standard error, exactly (absent: nothing)
 *   anything else input files and config files the arguments name
 *
 * Directories starting with `_` hold inputs shared by several scenarios. After a deliberate change of
 * behaviour, `UPDATE_FIXTURES=1 npx jest test/cli/scenarios.test.ts` rewrites the expected outputs;
 * review the diff, and run prettier on the JSON files it wrote.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './helpers';

const ROOT = join(__dirname, '..', 'fixtures', 'cli');
const UPDATE = process.env.UPDATE_FIXTURES === '1';
const scenarios = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
  .map((d) => d.name)
  .sort();

/** JSON with the tool version (which moves with every release) replaced. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        (k === 'version' || k === 'semanticVersion') &&
        typeof v === 'string' &&
        /^\d+\.\d+\.\d+/.test(v) &&
        v !== '2.1.0'
          ? '<version>'
          : normalise(v);
    }
    return out;
  }
  return value;
}

const read = (dir: string, file: string): string | undefined =>
  existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined;

it('has scenarios', () => {
  expect(scenarios.length).toBeGreaterThan(20);
});

describe.each(scenarios)('%s', (name) => {
  const dir = join(ROOT, name);

  it('prints what it should and exits with the expected code', async () => {
    const args = JSON.parse(read(dir, 'args') ?? '[]') as string[];
    const r = await runCli(args, { cwd: dir, stdin: read(dir, 'stdin') });
    const jsonOut = existsSync(join(dir, 'stdout.json'));
    if (UPDATE) {
      if (jsonOut)
        writeFileSync(
          join(dir, 'stdout.json'),
          `${JSON.stringify(normalise(JSON.parse(r.stdout)), null, 2)}\n`,
        );
      else if (r.stdout !== '') writeFileSync(join(dir, 'stdout'), r.stdout);
      if (r.stderr !== '') writeFileSync(join(dir, 'stderr'), r.stderr);
      writeFileSync(join(dir, 'exit'), `${r.code}\n`);
    }
    expect(r.code).toBe(Number(read(dir, 'exit')));
    if (jsonOut)
      expect(normalise(JSON.parse(r.stdout))).toEqual(JSON.parse(read(dir, 'stdout.json') ?? 'null'));
    else expect(r.stdout).toBe(read(dir, 'stdout') ?? '');
    expect(r.stderr).toBe(read(dir, 'stderr') ?? '');
  });
});
