/**
 * The compiled build that `bin.obs-sse` points at (dist/cjs/src/cli/main.js), for tests that run the real
 * binary. `npm ci` builds dist/ (prepare); when it is missing or older than its sources, {@link freshBin}
 * builds it, once at a time across Jest workers (scripts/build.js works in one fixed `.dist-next`
 * directory, so two concurrent builds would mix their output).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'dist', 'cjs', 'src', 'cli', 'main.js');

/** What tsc compiles into dist/ (tsconfig.json `include`) and how (the config and the build script). */
const INPUTS = [
  join(ROOT, 'src'),
  join(ROOT, 'generated', 'types.ts'),
  join(ROOT, 'generated', 'ruleset.ts'),
  join(ROOT, 'tsconfig.json'),
  join(ROOT, 'scripts', 'build.js'),
  join(ROOT, 'scripts', 'entries.js'),
];

const LOCK = join(
  tmpdir(),
  `obs-sse-rules-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
);

/** The first input newer than `built`, or undefined. */
function newerThan(built: number, file: string): string | undefined {
  const st = statSync(file);
  if (!st.isDirectory()) return st.mtimeMs > built ? file : undefined;
  for (const e of readdirSync(file)) {
    const hit = newerThan(built, join(file, e));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Why dist/ cannot be used as it is, or undefined when it is at least as new as every input. */
function staleness(): string | undefined {
  if (!existsSync(BIN)) return `${BIN} is missing`;
  const built = statSync(BIN).mtimeMs;
  for (const input of INPUTS) {
    const hit = newerThan(built, input);
    if (hit !== undefined) return `${hit} is newer than ${BIN}`;
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the build lock (a file holding the owner's pid), waiting for another worker's build to finish. */
async function lock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner: number;
    try {
      owner = Number(readFileSync(LOCK, 'utf8'));
    } catch {
      continue; // released between the two calls
    }
    // A lock whose owner died (a killed test run) is taken over; an empty file is one being written.
    if (owner > 0 && !alive(owner)) rmSync(LOCK, { force: true });
    else if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${LOCK}`);
    else await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Resolves with the path of the built CLI once dist/ is at least as new as its sources, building it
 * when it is not. Rejects, naming `npm run build`, when the build fails: testing the last good build
 * instead would pass or fail for code that is no longer there.
 */
export async function freshBin(): Promise<string> {
  if (staleness() === undefined) return BIN;
  await lock(300_000);
  try {
    const reason = staleness(); // another worker may have built it while this one waited
    if (reason === undefined) return BIN;
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], {
        cwd: ROOT,
        stdio: 'pipe',
        encoding: 'utf8',
      });
    } catch (err) {
      // tsc reports on stdout; stderr then only holds build.js's own stack.
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `dist/ is stale (${reason}) and rebuilding it failed, so the compiled CLI would be old code. ` +
          `Fix the build and run \`npm run build\`.\n${e.stdout || e.stderr || e.message}`,
        { cause: err },
      );
    }
    return BIN;
  } finally {
    rmSync(LOCK, { force: true });
  }
}
