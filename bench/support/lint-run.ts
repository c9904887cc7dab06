/**
 * What the lint benchmarks share: the compiled CLI they run (dist/, rebuilt when older than src/), the
 * NDJSON floor (stream the file, split lines, JSON.parse each), and running one measurement in a child
 * process so that its peak RSS is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
// Users run the compiled CLI; source run through tsx measured some 35% slower, so the bench uses dist/.
export const DIST_MAIN = path.join(ROOT, 'dist', 'cjs', 'src', 'cli', 'main.js');

/** True when dist/ is at least as new as every source file. */
function distIsFresh(): boolean {
  if (!existsSync(DIST_MAIN)) return false;
  const built = statSync(DIST_MAIN).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) =>
      e.isDirectory() ? newer(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs > built,
    );
  return !newer(path.join(ROOT, 'src')) && !newer(path.join(ROOT, 'rules'));
}

/** Builds dist/ when it is missing or older than the sources. */
export function ensureDist(): void {
  if (distIsFresh()) return;
  console.log('dist/ is missing or older than src/: building it (npm run build)');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')], { cwd: ROOT, stdio: 'inherit' });
}

/** The floor: streams the file, splits lines and JSON.parses each; returns the line count. */
export async function ndjsonFloor(file: string): Promise<number> {
  let entries = 0;
  let carry = '';
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024, encoding: 'utf8' })) {
    const t = carry + (chunk as string);
    let a = 0;
    for (let b = t.indexOf('\n'); b !== -1; b = t.indexOf('\n', a)) {
      if (b > a) {
        JSON.parse(t.slice(a, b));
        entries++;
      }
      a = b + 1;
    }
    carry = t.slice(a);
  }
  if (carry.trim() !== '') {
    JSON.parse(carry);
    entries++;
  }
  return entries;
}

/** Runs the compiled `obs-sse` in this process with `args`; returns its exit code and what it printed. */
export async function runDistCli(args: string[]): Promise<{ code: number; stdout: string }> {
  // The compiled build, loaded at run time: its path is only known once dist/ exists.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { run } = require(DIST_MAIN) as typeof import('../../src/cli/main');
  let stdout = '';
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => process.stderr.write(s) },
    stdin: process.stdin,
    cwd: process.cwd(),
    env: {},
  });
  return { code, stdout };
}

/** This process's peak RSS so far, in MB. */
export const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/**
 * Runs `script child ...args` in a child process `runs` times (best time kept, highest peak RSS kept) and
 * returns the JSON object the child printed last.
 */
export function measureInChild<R extends { seconds: number; maxRssMb: number }>(
  script: string,
  args: string[],
  runs: number,
): R {
  let best: R | undefined;
  for (let k = 0; k < Math.max(1, runs); k++) {
    const r = spawnSync(process.execPath, [...process.execArgv, script, 'child', ...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as R;
    const peak = Math.max(result.maxRssMb, best?.maxRssMb ?? 0);
    if (!best || result.seconds < best.seconds) best = result;
    best.maxRssMb = peak;
  }
  return best as R;
}
