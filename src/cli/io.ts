/** What the CLI touches outside itself, injectable so tests run it in-process. */
import type { ByteSource } from '../traffic';

/** A stream the CLI writes text to. */
export interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** The CLI's standard streams, working directory and environment. */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  stdin: ByteSource & { isTTY?: boolean };
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A command-line mistake: the CLI prints the message and a short usage, and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage text to print after the message. */
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes, documented in docs/cli.md. */
export const EXIT = {
  /** Nothing reached the fail level. */
  ok: 0,
  /** Findings reached the fail level. */
  findings: 1,
  /** A usage error, an invalid config, or an input that could not be read in full. */
  usage: 2,
} as const;
