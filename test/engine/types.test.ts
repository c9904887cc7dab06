/** Runs the type tests (test/types/) with the project's tsc: the generated types refuse what the rules refuse. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '../..');
const tsc = require.resolve('typescript/bin/tsc');

function typecheck(project: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: root, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('every @ts-expect-error in test/types is a real type error, and valid combinations compile', () => {
  const r = typecheck('test/types/tsconfig.json');
  expect(r.out).toBe('');
  expect(r.status).toBe(0);
});

test('removing one @ts-expect-error makes tsc fail, so the expectations are live', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-sse-types-'));
  try {
    const source = fs.readFileSync(path.join(root, 'test/types/sse-headers.ts'), 'utf8');
    const file = path.join(dir, 'sse-headers.ts');
    fs.writeFileSync(
      file,
      source
        .replace('// @ts-expect-error two methods on one request\n', '')
        .replace(/'\.\.\/\.\.\/generated\/types'/g, JSON.stringify(path.join(root, 'generated/types'))),
    );
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(root, 'tsconfig.json'),
        compilerOptions: { noEmit: true, rootDir: '/', types: [] },
        include: [file],
      }),
    );
    const r = typecheck(path.join(dir, 'tsconfig.json'));
    expect(r.status).not.toBe(0);
    // The one error is the unguarded two-methods line.
    expect(r.out.match(/error TS\d+/g)).toEqual(['error TS2322']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
