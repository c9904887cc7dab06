/**
 * What the proxy reads off a request-target and a Host, and how it trusts and describes its upstream.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';

/**
 * Converts a request-target to origin-form. Absolute-form is accepted (RFC 9112 §3.2.2 requires it of
 * servers) and sliced rather than parsed, so the path reaches OBS byte for byte as the client signed it.
 */
export function originForm(url: string): { target: string; authority?: string } | undefined {
  if (url.startsWith('/') || url === '*') return { target: url };
  const m = /^https?:\/\/([^/?#]*)([^#]*)$/i.exec(url);
  if (!m) return undefined;
  const rest = m[2] ?? '';
  return { target: rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest, authority: m[1] };
}

export function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

function checkCaPem(pem: string): void {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  // OpenSSL silently skips what it cannot parse, which would turn a wrong file into a confusing 502 later.
  if (blocks.length === 0) throw new TypeError('upstreamCa contains no PEM certificate');
  for (const block of blocks) new X509Certificate(block);
}

export function caList(extra: string | Buffer): string[] {
  // Passing `ca` replaces Node's default trust store, so rebuild it (bundled roots plus
  // NODE_EXTRA_CA_CERTS) before adding the private CA; the option must add trust, not narrow it.
  const list = [...tls.rootCertificates];
  const extraFile = process.env.NODE_EXTRA_CA_CERTS;
  if (extraFile) {
    try {
      list.push(readFileSync(extraFile, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; do the same by ignoring it.
    }
  }
  const pem = extra.toString();
  checkCaPem(pem);
  list.push(pem);
  return list;
}

export function describeUpstreamError(code: string, upstream: URL): string {
  const where = `${upstream.protocol}//${upstream.host}`;
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code)) {
    return `The proxy could not verify the TLS certificate of the upstream ${where} (${code})`;
  }
  return `The proxy could not reach the upstream ${where} (${code})`;
}
