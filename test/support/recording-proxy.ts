/**
 * `obs-sse proxy` started through the CLI's own entry (`startProxyCommand`), in front of an HTTPS upstream with a
 * private CA, recording a HAR, its log lines collected: the set-up of the tests that lint what the proxy saw.
 */
import { startProxyCommand, type ProxyCommand } from '../../src/proxy/command';
import { parseProxyArgs } from '../../src/proxy/main';

export type Line = Record<string, unknown>;

export interface RecordingProxy {
  command: ProxyCommand;
  port: number;
  lines: Line[];
  harFile: string;
}

/** Listens on 127.0.0.1 (a free port); `extra` goes to the proxy's arguments (`--mode report`, …). */
export async function startRecordingProxy(o: {
  upstreamPort: number;
  caFile: string;
  harFile: string;
  extra?: string[];
}): Promise<RecordingProxy> {
  const lines: Line[] = [];
  const command = await startProxyCommand(
    parseProxyArgs([
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      `https://127.0.0.1:${o.upstreamPort}`,
      '--upstream-ca',
      o.caFile,
      '--har',
      o.harFile,
      ...(o.extra ?? []),
    ]),
    { signals: false, log: (l) => lines.push(l as Line) },
  );
  return { command, port: command.address.port, lines, harFile: o.harFile };
}
