/** The jest side of test/openapi/oas-worker.ts: starts the validator process and asks it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Message } from './common';

export interface Oas {
  /** Validates and dereferences a document file with swagger-parser and builds the request validator. */
  load(file: string): Promise<{ operationIds: string[] }>;
  /** swagger-parser's verdict on a document. */
  validate(document: object): Promise<{ ok: boolean; message?: string }>;
  /** The OpenAPI verdict on a message as sorted `code header` pairs (`openapi <path>` for anything else). */
  verdict(message: Message): Promise<string[]>;
  close(): void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export function startOas(): Oas {
  const root = path.join(__dirname, '../..');
  const child: ChildProcess = fork(path.join(__dirname, 'oas-worker.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, Pending>();
  let next = 0;
  child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.result);
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`the OpenAPI validator process exited (${code})`));
    pending.clear();
  });
  const ask = <T>(req: Record<string, unknown>): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...req });
    });
  return {
    load: (file) => ask({ type: 'load', file }),
    validate: (document) => ask({ type: 'validate', document }),
    verdict: (message) => ask({ type: 'verdict', message }),
    close: () => {
      child.kill();
    },
  };
}
