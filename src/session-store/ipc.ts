/**
 * The session store of `obs-sse proxy --workers N` without Redis: the cluster primary holds the sessions
 * in memory and its workers reach them over the cluster's IPC channel, as a {@link SessionBackend}.
 * Fingerprints only cross the channel (the MD5 the client sent, never a key).
 */
import type { Worker } from 'node:cluster';

import { MemoryUploadSessionStore, type Fingerprint } from '../traffic/upload-id';
import { pickFingerprint, type SessionBackend } from './shared';

/** Marks this module's messages among whatever else a worker and its primary exchange. */
const TAG = 'obs-sse-session';

interface Request {
  tag: typeof TAG;
  id: number;
  op: 'get' | 'set' | 'delete';
  key: string;
  fp?: Fingerprint;
}

interface Reply {
  tag: typeof TAG;
  id: number;
  fp?: Fingerprint;
}

function isRequest(m: unknown): m is Request {
  const r = m as Request;
  return typeof m === 'object' && m !== null && r.tag === TAG && typeof r.key === 'string';
}

/**
 * The primary's side: answers one worker's session messages from `store`. Call once per forked worker,
 * with one store shared by all of them.
 */
export function serveSessions(worker: Worker, store: MemoryUploadSessionStore): void {
  worker.on('message', (m: unknown) => {
    if (!isRequest(m)) return;
    if (m.op === 'set' && m.fp !== undefined) store.set(m.key, pickFingerprint(m.fp));
    else if (m.op === 'delete') store.delete(m.key);
    else if (m.op === 'get') {
      const reply: Reply = { tag: TAG, id: m.id };
      const fp = store.get(m.key);
      if (fp !== undefined) reply.fp = fp;
      // The worker may have died meanwhile: a reply to nobody is not an error.
      if (worker.isConnected()) worker.send(reply);
    }
  });
}

/**
 * A worker's side: a backend over `process.send`. A lookup not answered within `timeoutMs` (the
 * primary gone, or stuck) fails, and the store's failure policy judges the part.
 */
export function createIpcBackend(timeoutMs = 1000): SessionBackend {
  if (typeof process.send !== 'function') throw new Error('the IPC session store needs a cluster worker');
  const send = process.send.bind(process);
  let next = 0;
  const waiting = new Map<number, (fp: Fingerprint | undefined) => void>();
  const onMessage = (m: unknown): void => {
    const r = m as Reply;
    if (typeof m !== 'object' || m === null || r.tag !== TAG) return;
    waiting.get(r.id)?.(r.fp);
  };
  process.on('message', onMessage);
  const post = (message: Request): Promise<void> =>
    new Promise((resolve, reject) => {
      if (!process.connected) {
        reject(new Error('the primary process is gone'));
        return;
      }
      send(message, undefined, {}, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  return {
    describe: 'cluster primary',
    get(key) {
      const id = ++next;
      return new Promise<Fingerprint | undefined>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`no answer from the primary process within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, (fp) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(fp);
        });
        post({ tag: TAG, id, op: 'get', key }).catch((err: unknown) => {
          clearTimeout(timer);
          waiting.delete(id);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      });
    },
    set(key, fp) {
      return post({ tag: TAG, id: ++next, op: 'set', key, fp: pickFingerprint(fp) });
    },
    delete(key) {
      return post({ tag: TAG, id: ++next, op: 'delete', key });
    },
    close() {
      process.removeListener('message', onMessage);
      return Promise.resolve();
    },
  };
}
