/** A built `obs-sse` subcommand as a bench target: started, its port read from its log, stopped. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Running {
  proc: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** Starts `obs-sse <args>` (the built binary) and waits for its `listening` line. */
export async function startCli(bin: string, args: string[]): Promise<Running> {
  const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  // Logs are read only until the port is known, then drained unread (the CLI logs every exchange).
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /"event":"listening"[^\n]*?"port":(\d+)/.exec(out);
      if (!m) return;
      proc.stdout!.off('data', onData);
      proc.stdout!.resume();
      resolve(Number(m[1]));
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`obs-sse ${args[0]} exited (${code})`)));
  });
  proc.stdout!.on('data', () => undefined);
  return {
    proc,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
