/**
 * The examples of README.md and docs/ run as a reader would run them, so a false example fails CI. Blocks
 * are marked with `<!-- doc-test: … -->` (test/support/doc-blocks.ts says how); CLI commands run the built
 * CLI in a scratch directory that sees the repository's examples/.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freshBin } from '../support/dist';
import {
  docBlocks,
  docFiles,
  expectedOutput,
  keyDifferences,
  shellCommands,
  shellPrelude,
  unmarkedCommandBlocks,
  type DocBlock,
} from '../support/doc-blocks';

const ROOT = path.join(__dirname, '..', '..');
const blocks: DocBlock[] = docFiles(ROOT).flatMap((f) =>
  docBlocks(f, fs.readFileSync(path.join(ROOT, f), 'utf8')),
);
const where = (b: DocBlock): string => `${b.file}:${b.line}`;
const ofKind = (...kinds: DocBlock['kind'][]): DocBlock[] => blocks.filter((b) => kinds.includes(b.kind));

let bin: string;
let cwd: string;

beforeAll(async () => {
  bin = await freshBin();
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-sse-doc-'));
  fs.symlinkSync(path.join(ROOT, 'examples'), path.join(cwd, 'examples'));
}, 180_000);

afterAll(() => {
  if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
});

/** Runs one shell command the way a reader would, with `obs-sse` meaning the built CLI. */
function sh(command: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', shellPrelude(bin) + command], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the docs mark examples of every kind (a marker that stops matching would silently test nothing)', () => {
  for (const kind of ['sh', 'ts', 'typecheck', 'output-of', 'json-shape-of'] as const) {
    expect(ofKind(kind).length).toBeGreaterThan(0);
  }
  for (const b of ofKind('skip'))
    expect({ at: where(b), reason: b.argument }).toMatchObject({ reason: /\S/ });
});

test('every shell block that runs obs-sse is marked: run (<!-- doc-test: sh -->) or skipped with a reason', () => {
  const unmarked = docFiles(ROOT).flatMap((f) =>
    unmarkedCommandBlocks(f, fs.readFileSync(path.join(ROOT, f), 'utf8')),
  );
  // Put `<!-- doc-test: sh -->` (or `sh exit=1`, or `skip (why)`) on the line before each of these blocks.
  expect(unmarked).toEqual([]);
});

describe.each(ofKind('sh').map((b) => [where(b), b] as const))('sh block %s', (_at, block) => {
  const wanted = Number(/exit=(\d+)/.exec(block.argument)?.[1] ?? 0);
  test.each(shellCommands(block.body))(`exits ${wanted}: %s`, (command) => {
    const r = sh(command);
    expect({ command, status: r.status, stderr: r.stderr.slice(0, 2000) }).toMatchObject({ status: wanted });
  });
});

describe.each(ofKind('output-of').map((b) => [where(b), b] as const))('output block %s', (_at, block) => {
  test(`is what \`${block.argument}\` prints`, () => {
    const r = sh(block.argument);
    expect(r.status).toBe(0);
    expect(block.body.trimEnd()).toBe(r.stdout.trimEnd());
  });
});

describe.each(ofKind('json-shape-of').map((b) => [where(b), b] as const))('JSON sample %s', (_at, block) => {
  test(`has the keys of what \`${block.argument}\` prints`, () => {
    const r = sh(block.argument);
    expect(keyDifferences(JSON.parse(block.body), JSON.parse(r.stdout))).toEqual([]);
  });
});

describe('TypeScript blocks', () => {
  const code = ofKind('ts', 'typecheck');
  let dir: string;
  const fileOf = (b: DocBlock): string => path.join(dir, `block-${code.indexOf(b)}.mts`);

  beforeAll(() => {
    // Inside the repository, so `import … from 'obs-sse-rules'` resolves to this package as an installed
    // one would (through package.json "exports": a deep import fails as it would for a user).
    fs.mkdirSync(path.join(ROOT, '.scratch'), { recursive: true });
    dir = fs.mkdtempSync(path.join(ROOT, '.scratch', 'doc-ts-'));
    for (const b of code) fs.writeFileSync(fileOf(b), `// ${where(b)}\n${b.body}export {};\n`);
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    };
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, files: code.map((b) => path.basename(fileOf(b))) }),
    );
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('type-check as a user of the package compiles them', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', timeout: 120_000 });
    // tsc names each file; the first line of each file names the doc and line it came from.
    const named = r.stdout.replace(/block-(\d+)\.mts/g, (_m, i: string) => where(code[Number(i)]!));
    expect(named).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  test.each(ofKind('ts').map((b) => [where(b), b] as const))(
    '%s runs and prints what it says',
    (_at, b) => {
      const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const r = spawnSync(process.execPath, [tsx, fileOf(b)], { encoding: 'utf8', timeout: 60_000 });
      expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
      // The lines it says it prints, in order; the guard's own JSON log lines may come between them.
      const printed = r.stdout.split('\n').filter((l) => !l.startsWith('{"event":'));
      expect(printed.filter(Boolean)).toEqual(expectedOutput(b.body));
    },
    60_000,
  );
});

describe('the runner catches a false example', () => {
  const doc = [
    '<!-- doc-test: sh -->',
    '',
    '```sh',
    'npx obs-sse lint logs/*.ndjson   # no such files',
    '```',
    '<!-- doc-test: json-shape-of obs-sse lint -f json examples/gateway.ndjson -->',
    '```json',
    '{ "formatVersion": 1, "summary": {}, "files": [], "findings": [], "inputErrors": [] }',
    '```',
  ].join('\n');
  const [command, shape] = docBlocks('false.md', doc);

  test('a command that exits 2 is not an exit 0', () => {
    expect(sh(shellCommands(command!.body)[0]!).status).toBe(2);
  });

  test('a JSON sample without `tool` differs from the output', () => {
    const real = JSON.parse(sh(shape!.argument).stdout) as unknown;
    expect(keyDifferences(JSON.parse(shape!.body), real)).toContain(
      '/tool: in the output, not in the sample',
    );
  });

  test('a shell block running obs-sse without a marker is found', () => {
    expect(unmarkedCommandBlocks('y.md', 'text\n\n```sh\nobs-sse rules\n```\n')).toEqual(['y.md:3']);
    expect(unmarkedCommandBlocks('y.md', '<!-- doc-test: sh -->\n\n```sh\nobs-sse rules\n```\n')).toEqual([]);
  });

  test('a marker without a block is an error naming the file and line', () => {
    expect(() => docBlocks('x.md', 'text\n<!-- doc-test: sh -->\ntext\n')).toThrow('x.md:2');
  });
});
