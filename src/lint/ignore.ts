/** `--ignore-url` and the config's `ignoreUrls`: globs over request URLs (picomatch). */
import picomatch from 'picomatch';

const ORIGIN = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/;

/**
 * A test that is true when a glob matches the URL without its query and fragment
 * (`https://bkt.obs.cn-north-4.myhuaweicloud.com/tmp/a.bin`) or just its path (`/tmp/a.bin`).
 * Query strings are left out because `?` is a glob character and signatures change on every request.
 * Undefined for no globs, so callers can skip the test entirely.
 */
export function urlIgnorer(globs: readonly string[] | undefined): ((url: string) => boolean) | undefined {
  if (!globs || globs.length === 0) return undefined;
  const isMatch = picomatch([...globs], { dot: true });
  return (url) => {
    const cut = url.search(/[?#]/);
    const base = cut === -1 ? url : url.slice(0, cut);
    if (isMatch(base)) return true;
    const origin = ORIGIN.exec(base);
    return origin !== null && isMatch(base.slice(origin[0].length) || '/');
  };
}
