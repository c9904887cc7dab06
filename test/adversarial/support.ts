/**
 * What the adversarial suite shares: the real `obs-sse proxy` binary in front of a recording upstream,
 * raw HTTP/1.1 requests written byte for byte on a socket, and the hostile forms of the findings.
 */
import { readFileSync } from 'node:fs';

import { freshBin } from '../support/dist';
import { RawClient, startCliProxy, type CliProxy, type RawResponse } from '../proxy/helpers';

/** A raw request: request line, header lines, and an optional body; CRLFs and Content-Length are added. */
export interface RawRequest {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body?: string | Buffer;
}

/** The bytes of a raw request, with a Content-Length for its body (when it has one). */
export function rawBytes(r: RawRequest): Buffer {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  const lines = [`${r.method} ${r.target} HTTP/1.1`, ...r.headers.map(([n, v]) => `${n}: ${v}`)];
  if (body !== undefined) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

/** Sends one raw request on a new connection and reads one response (undefined when none came). */
export async function sendRaw(
  port: number,
  r: RawRequest | Buffer,
  timeoutMs = 10_000,
): Promise<RawResponse | undefined> {
  const client = await RawClient.connect(port);
  try {
    await client.write(Buffer.isBuffer(r) ? r : rawBytes(r));
    return await client.readResponse(timeoutMs);
  } finally {
    client.destroy();
  }
}

/** A PostObject form whose middle part is `disposition`; returns the body and its Content-Type. */
export function hostileForm(disposition: string, value = 'AES256'): { body: string; type: string } {
  const b = 'adversarialboundary';
  const part = (disp: string, v: string): string => `--${b}\r\nContent-Disposition: ${disp}\r\n\r\n${v}\r\n`;
  const body =
    part('form-data; name="key"', 'photo.jpg') +
    part(disposition, value) +
    part('form-data; name="file"; filename="photo.jpg"', 'file content') +
    `--${b}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${b}` };
}

/** The two Content-Disposition shapes that once killed the proxy. */
export const NAMELESS_DISPOSITIONS = [
  'form-data',
  "form-data; name*=UTF-8''x-obs-server-side-encryption",
] as const;

/** Starts the compiled `obs-sse proxy` with `args` (after `--listen`). */
export async function startBinProxy(args: readonly string[]): Promise<CliProxy> {
  return startCliProxy([await freshBin()], args);
}

/** Stops a CLI proxy with SIGTERM and resolves with its exit. */
export async function stopBinProxy(proxy: CliProxy): Promise<{ code: number | null; signal: string | null }> {
  if (proxy.child.exitCode === null && proxy.child.signalCode === null) proxy.child.kill('SIGTERM');
  return proxy.exited;
}

/** The HAR file parsed; throws (failing the test) when it is not valid JSON. */
export function readHar(file: string): { log: { entries: Array<Record<string, unknown>> } } {
  return JSON.parse(readFileSync(file, 'utf8')) as { log: { entries: Array<Record<string, unknown>> } };
}
