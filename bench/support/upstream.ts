/**
 * What the scale and forwarders benches share: the SSE-C headers every request carries, the nginx upstream
 * that answers at once, the nginx pass-through directives, and `obs-sse proxy --workers N` in front of it.
 */
import { createHash } from 'node:crypto';

import { startNginx, type TestServer } from '../../test/support/servers';
import { startCli, type Running } from './cli';

const KEY = createHash('sha256').update('obs-sse scale bench key').digest();
const KEY_MD5 = createHash('md5').update(KEY).digest('base64');

/** SSE-C on every request: the engine's costliest check (the MD5 of the key). */
export const SSE_C = {
  'x-obs-server-side-encryption-customer-algorithm': 'AES256',
  'x-obs-server-side-encryption-customer-key': KEY.toString('base64'),
  'x-obs-server-side-encryption-customer-key-MD5': KEY_MD5,
};

/**
 * The upstream: answers at once, but as OBS does only after the whole request body has arrived. nginx's
 * `return` would answer before reading a body (and drop it afterwards), which a client sees as an early
 * answer; so a PUT is first read whole (into memory: `proxy_request_buffering` is on by default) and then
 * answered by a second server block, on `sinkPort`, that never gets the body.
 */
export function startUpstream(sinkPort: number): Promise<TestServer> {
  const answer = `'<?xml version="1.0" encoding="UTF-8"?><Result><Key>object.bin</Key></Result>'`;
  return startNginx(
    (port) => `
    upstream body_read { server 127.0.0.1:${sinkPort}; keepalive 32; }
    server {
        listen 127.0.0.1:${port};
        keepalive_requests 1000000;
        client_max_body_size 0;
        client_body_buffer_size 2m;
        location / {
            add_header x-obs-server-side-encryption-customer-algorithm AES256;
            add_header x-obs-server-side-encryption-customer-key-MD5 "${KEY_MD5}";
            default_type application/xml;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            if ($request_method != PUT) { return 200 ${answer}; }
            proxy_pass http://body_read;
        }
    }
    server {
        listen 127.0.0.1:${sinkPort};
        keepalive_requests 1000000;
        location / { default_type application/xml; return 200 ${answer}; }
    }`,
    1,
  );
}

/** nginx location directives that stream a request to `target` and back, bodies unbuffered (one hop). */
export function passThrough(target: string): string {
  return `
        proxy_pass ${target};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_request_buffering off;
        proxy_buffering off;
        client_max_body_size 0;`;
}

/** `obs-sse proxy --workers N` (the built binary) in front of the plain-HTTP upstream on `upstreamPort`. */
export function startProxyWorkers(bin: string, upstreamPort: number, workers: number): Promise<Running> {
  return startCli(bin, [
    'proxy',
    '--listen',
    '127.0.0.1:0',
    '--upstream',
    `http://127.0.0.1:${upstreamPort}`,
    // The upstream is plain HTTP here, which the rule would (rightly) refuse for SSE-C.
    '--rule',
    'transport/https-required=off',
    '--workers',
    String(workers),
  ]);
}
