/** Runs the CLI in-process with captured streams. */
import { Readable } from 'node:stream';
import { run, type CliIo } from '../../src/cli/main';

/** What one CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface CliRunOptions {
  cwd?: string;
  /** Piped to standard input; without it stdin is an empty pipe. */
  stdin?: string | Buffer;
  /** Pretend stdout (and stderr) are terminals. */
  tty?: boolean;
  env?: Record<string, string>;
}

/** Runs `obs-sse <args>` in this process. */
export async function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(
    options.stdin === undefined ? [] : [Buffer.from(options.stdin)],
  ) as CliIo['stdin'];
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s), isTTY: options.tty === true },
    stderr: { write: (s: string) => (stderr += s), isTTY: options.tty === true },
    stdin,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}
