// What every consumer project checks, given the package root it imported in its own way: a correct SSE-C map
// and one whose key MD5 belongs to another key. Only verdicts and codes are printed, never the key.
export function verdicts(api) {
  const key = new Uint8Array(32).fill(7);
  const good = api.sseCHeaders(key);
  const other = api.sseCHeaders(new Uint8Array(32).fill(8));
  const md5 = 'x-obs-server-side-encryption-customer-key-MD5';
  const bad = { ...good, [md5]: other[md5] };
  return [good, bad].map((headers) => {
    const r = api.validateHeaders({ operation: 'PutObject', direction: 'request', headers, scheme: 'https' });
    return { valid: r.valid, codes: r.diagnostics.map((d) => d.code) };
  });
}
