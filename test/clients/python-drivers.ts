/**
 * The Python clients' drivers (test/clients/drivers/*.py): one long-lived interpreter per client, one JSON
 * command per line in, one JSON answer per line out. A driver that dies answers every pending and later call
 * with an error instead of leaving the test waiting.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

export type Answer = Record<string, unknown>;

export class PythonDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly answers: Answer[] = [];
  private waiting: ((a: Answer) => void) | undefined;
  private exited: Answer | undefined;
  private stderr = '';
  version = '';

  constructor(python: string, script: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(python, [join(__dirname, 'drivers', script), ...args], {
      env: { ...process.env, ...env },
    });
    this.child.stderr.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-2000)));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.answer(JSON.parse(line) as Answer));
    this.child.on('exit', (code) => {
      this.exited = { ok: false, rc: 255, error: 'DriverExited', message: `exit ${code}: ${this.stderr}` };
      this.answer(this.exited);
    });
  }

  private answer(a: Answer): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w(a);
    else if (a !== this.exited) this.answers.push(a);
  }

  private next(): Promise<Answer> {
    const queued = this.answers.shift() ?? this.exited;
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Waits for the driver's `ready` line, which names the client's version. */
  async start(): Promise<void> {
    const a = await this.next();
    if (a.ready === undefined) throw new Error(`driver did not start: ${String(a.message)}`);
    this.version = String(a.ready);
  }

  /** Sends one command and waits for its answer. */
  async send(command: object): Promise<Answer> {
    this.child.stdin.write(JSON.stringify(command) + '\n');
    return this.next();
  }

  /** Ends the interpreter (awscli's transfer threads would keep it alive past the end of its input). */
  stop(): void {
    this.child.stdin.end();
    this.lines.close();
    this.child.kill();
  }
}

/** boto3 through drivers/boto3_driver.py. */
export class Boto3 extends PythonDriver {
  constructor(python: string, endpoint: string, caFile: string) {
    super(python, 'boto3_driver.py', [endpoint, caFile]);
  }

  /** Calls the client; rejects when boto3 raised. */
  async call(call: string, args: Record<string, unknown>): Promise<Answer> {
    const a = await this.send({ call, args });
    if (!a.ok) throw new Error(`${String(a.error)}: ${String(a.message)}`);
    return a;
  }
}

/** The boto3 interpreters: Debian's, and the PATH's python3 when it has another boto3. */
export function pythons(): string[] {
  const version = (py: string): string | undefined => {
    try {
      return execFileSync(py, ['-c', 'import boto3; print(boto3.__version__)'], { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  };
  const debian = version('/usr/bin/python3');
  const path = version('python3');
  return [...(debian ? ['/usr/bin/python3'] : []), ...(path && path !== debian ? ['python3'] : [])];
}
