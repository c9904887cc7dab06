/**
 * `npm run demo:proxy`: the shipped OBS stand-in and `obs-sse proxy` in front of it, both on loopback,
 * with instructions for pointing an SDK or curl at the proxy. Stops on Ctrl-C.
 *
 *   npx tsx scripts/demo-proxy.ts [--standin-port 9000] [--proxy-port 8080] [--mode enforce|report]
 *                                 [--plain] [--json] [--no-self-test]
 *
 * The stand-in speaks HTTPS with a private CA made for this run (openssl), as OBS would: the proxy
 * judges the HTTPS rules on its hop to OBS, so SSE requests pass although clients talk plain HTTP to
 * it. `--plain` (or no openssl) runs the stand-in over HTTP instead, and then every SSE-C and SSE-KMS
 * request is stopped with `transport/https-required`: that is the rule, not a fault of the demo.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import { startProxyCommand } from '../src/proxy/command';
import { parseProxyArgs } from '../src/proxy/main';
import type { ExchangeLogLine } from '../src/proxy/types';
import { makePki, type TestPki } from '../src/standin/tls';
import { startStandin } from '../src/standin/server';

/** A CA and a certificate for 127.0.0.1 and localhost, valid one day; undefined without openssl. */
function demoPki(): TestPki | undefined {
  try {
    return makePki();
  } catch {
    return undefined;
  }
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const message = (xml: string): string =>
  (/<Message>([\s\S]*?)<\/Message>/.exec(xml)?.[1] ?? xml)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function summarize(line: ExchangeLogLine): string {
  const codes = line.codes.length > 0 ? ` [${line.codes.join(', ')}]` : '';
  const response = line.responseCodes.length > 0 ? ` response [${line.responseCodes.join(', ')}]` : '';
  return `  ${line.method} ${line.url} -> ${line.status ?? '-'} ${line.verdict}${codes}${response} (${line.operation ?? 'not an SSE operation'}, +${line.addedMs} ms)\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'standin-port': { type: 'string', default: '9000' },
      'proxy-port': { type: 'string', default: '8080' },
      mode: { type: 'string', default: 'enforce' },
      plain: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'no-self-test': { type: 'boolean', default: false },
    },
  });
  const out = (s: string): void => void process.stdout.write(s);
  const pki = values.plain ? undefined : demoPki();
  if (!values.plain && !pki)
    out('could not make a certificate with openssl: running the stand-in over plain HTTP (see --plain).\n');
  const standin = await startStandin({
    port: Number(values['standin-port']),
    host: '127.0.0.1',
    ...(pki && { tls: pki.tls }),
  });
  const upstream = standin.url;
  const proxyArgs = [
    '--listen',
    `127.0.0.1:${values['proxy-port']}`,
    '--upstream',
    upstream,
    '--mode',
    values.mode,
  ];
  if (pki) proxyArgs.push('--upstream-ca', pki.caFile);
  const command = await startProxyCommand(parseProxyArgs(proxyArgs), {
    signals: false,
    log: (line) => {
      const l = line as ExchangeLogLine;
      if (values.json) out(`${JSON.stringify(l)}\n`);
      else if (l.event === 'exchange') out(summarize(l));
    },
  });
  const port = command.address.port;
  const proxy = `http://127.0.0.1:${port}`;
  const shortKey = createHash('sha256').update('demo').digest().subarray(0, 16);
  const shortMd5 = createHash('md5').update(shortKey).digest('base64');

  out(`
OBS stand-in (${pki ? 'HTTPS, private CA made for this run' : 'plain HTTP'}): ${upstream}
obs-sse proxy (${values.mode} mode, plain HTTP):               ${proxy}   -> ${upstream}
The HTTPS rules are judged on the proxy's hop to OBS (${upstream.slice(0, upstream.indexOf(':'))}), not on the client's hop to the proxy.

Point an SDK at the proxy instead of OBS, e.g. esdk-obs-nodejs:
  new ObsClient({ access_key_id: 'AK', secret_access_key: 'SK', server: '${proxy}' })
  (an IP endpoint makes the SDK use path-style addressing and the S3 dialect; the stand-in checks no signature)
or run the SDK's SSE scenarios through it, correct and wrong:
  npx tsx test/support/run-scenarios.ts --port ${port} --mode s3

With curl:
  curl -i -X PUT ${proxy}/demo
  curl -i -X PUT -H 'x-obs-server-side-encryption: kms' --data-binary hello ${proxy}/demo/good.txt
  curl -i -X PUT -H 'x-obs-server-side-encryption: KMS' --data-binary hello ${proxy}/demo/bad.txt
  curl -i -X PUT -H 'x-obs-server-side-encryption-customer-algorithm: AES256' \\
       -H 'x-obs-server-side-encryption-customer-key: ${shortKey.toString('base64')}' \\
       -H 'x-obs-server-side-encryption-customer-key-MD5: ${shortMd5}' --data-binary hello ${proxy}/demo/short-key.txt
The last two are stopped with 400 and an XML <Message> that names the rule; nothing reaches the stand-in.
Each exchange is logged below${values.json ? ' as a JSON line' : ' (--json for the raw JSON lines)'}. Ctrl-C stops both.

`);

  if (!values['no-self-test']) {
    out('Self-test:\n');
    await send(port, 'PUT', '/demo');
    const good = await send(
      port,
      'PUT',
      '/demo/good.txt',
      { 'x-obs-server-side-encryption': 'kms' },
      'hello',
    );
    const bad = await send(port, 'PUT', '/demo/bad.txt', { 'x-obs-server-side-encryption': 'KMS' }, 'hello');
    out(
      `  a correct SSE-KMS upload got ${good.status}; a wrong one got ${bad.status}:\n    ${message(bad.body)}\n\n`,
    );
  }
  out('ready\n');

  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    out('\nstopping: draining the proxy, then the stand-in\n');
    void (async () => {
      await command.stop(5000);
      await standin.close();
      pki?.remove();
      out(`stopped after ${standin.exchanges.length} exchanges reached the stand-in\n`);
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo-proxy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
