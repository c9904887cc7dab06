/**
 * Which bucket a host name carries: virtual-hosted OBS names (`{bucket}.obs.{region}.…`), and names under
 * the endpoints a user configured. Path-style hosts (IP addresses, localhost, an endpoint itself) carry none.
 */
import { hostOf } from './url';

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * The bucket a virtual-hosted OBS host name carries, or undefined for a path-style host.
 *
 * Virtual-hosted OBS endpoints put the bucket in front of an `obs` label:
 * `{bucket}.obs.{region}.myhuaweicloud.com`, `{bucket}.obs.myhwclouds.com`,
 * `{bucket}.obs.{region}.otc.t-systems.com`, and so on. Bucket names may contain dots, so
 * everything before the last `obs` label is the bucket. IP addresses and localhost are path-style.
 */
export function bucketFromHost(host: string): string | undefined {
  if (host === '' || host.startsWith('[') || IPV4.test(host)) return undefined;
  if (host === 'localhost' || host.endsWith('.localhost')) return undefined;
  const labels = host.split('.');
  const i = labels.lastIndexOf('obs');
  return i > 0 ? labels.slice(0, i).join('.') : undefined;
}

/**
 * An endpoint as `--endpoint` or a config file may give it (`https://OBS.example.com:443/`) as the
 * lower-case host name that {@link classify} compares.
 */
export function normalizeEndpoint(endpoint: string): string {
  const noScheme = endpoint.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = noScheme.indexOf('/');
  return hostOf(slash === -1 ? noScheme : noScheme.slice(0, slash));
}

/**
 * The bucket of a virtual-hosted host under one of `endpoints` (longest first), `null` for an
 * endpoint itself or an IP address (path-style), else what {@link bucketFromHost} finds.
 */
export function bucketUnder(host: string, endpoints: readonly string[] | undefined): string | undefined {
  if (endpoints && endpoints.length > 0 && !(host.startsWith('[') || IPV4.test(host))) {
    let best: string | undefined;
    for (const e of endpoints) {
      if (host === e) return undefined;
      if (
        host.length > e.length + 1 &&
        host.endsWith(e) &&
        host.charCodeAt(host.length - e.length - 1) === 46
      ) {
        if (best === undefined || e.length > best.length) best = e;
      }
    }
    if (best !== undefined) return host.slice(0, host.length - best.length - 1);
  }
  return bucketFromHost(host);
}
