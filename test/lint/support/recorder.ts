/**
 * A recording HTTPS forwarder for tests: sits between a client and a local server and keeps every
 * exchange unredacted, in the NDJSON input shape of `obs-sse lint`. The stand-in's own HAR redacts
 * customer keys, so only a recording like this one lets the linter judge a key's content (its length,
 * its MD5). Test-only: it holds keys in memory and in the file it writes.
 */
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** One recorded exchange. */
export interface RecordedLine {
  method: string;
  url: string;
  requestHeaders: [string, string][];
  postData?: { mimeType: string; text: string };
  status: number;
  responseHeaders: [string, string][];
  responseText?: string;
}

/** A running recorder. */
export interface Recorder {
  port: number;
  /** In the order responses completed. */
  lines: RecordedLine[];
  close(): Promise<void>;
}

const pairsOf = (raw: string[]): [string, string][] => {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string]);
  return out;
};

const MAX_TEXT = 1024 * 1024;

/** Starts a recorder on 127.0.0.1 that forwards to `https://127.0.0.1:upstreamPort`. */
export async function startRecorder(
  upstreamPort: number,
  tls: { key: Buffer; cert: Buffer },
): Promise<Recorder> {
  const lines: RecordedLine[] = [];
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
  const server = https.createServer(tls, (req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const requestBody = Buffer.concat(body);
      const upstream = https.request(
        {
          host: '127.0.0.1',
          port: upstreamPort,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (up) => {
          const chunks: Buffer[] = [];
          up.on('data', (c: Buffer) => chunks.push(c));
          up.on('end', () => {
            const responseBody = Buffer.concat(chunks);
            const line: RecordedLine = {
              method: req.method ?? 'GET',
              url: `https://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`,
              requestHeaders: pairsOf(req.rawHeaders),
              status: up.statusCode ?? 0,
              responseHeaders: pairsOf(up.rawHeaders),
            };
            const type = req.headers['content-type'] ?? '';
            if (/^multipart\/form-data/i.test(type) && requestBody.length <= MAX_TEXT) {
              line.postData = { mimeType: type, text: requestBody.toString('latin1') };
            }
            if (/xml/i.test(String(up.headers['content-type'] ?? '')) && responseBody.length <= MAX_TEXT) {
              line.responseText = responseBody.toString('utf8');
            }
            lines.push(line);
            res.writeHead(up.statusCode ?? 502, up.rawHeaders);
            res.end(responseBody);
          });
        },
      );
      upstream.on('error', (err) => {
        res.statusCode = 502;
        res.end(err.message);
      });
      upstream.end(requestBody);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    async close() {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}
