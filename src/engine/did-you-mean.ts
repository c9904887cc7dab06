/** Edit distance, bounded: returns `limit + 1` as soon as the distance is known to exceed `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      row.push(v);
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate nearest to `received` within `limit` edits, if any. */
export function nearest(received: string, candidates: readonly string[], limit: number): string | undefined {
  let found: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(received, c, limit);
    if (d < bestDistance) {
      bestDistance = d;
      found = c;
    }
  }
  return found;
}

export interface ValueSuggestion {
  value: string;
  /** The suggestion names the same thing under another spelling (obs/AES256, kms/aws:kms). */
  equivalent: boolean;
}

/**
 * The allowed value the sender most likely meant: the same value in another case, the same method under the
 * spelling this operation uses (the equivalence classes of the header catalogue), or a near typo.
 */
export function suggestValue(
  received: string,
  allowed: readonly string[],
  equivalents: readonly (readonly string[])[] | undefined,
): ValueSuggestion | undefined {
  if (received.length > 64) return undefined;
  const lower = received.toLowerCase();
  const sameCase = allowed.find((v) => v.toLowerCase() === lower);
  if (sameCase !== undefined) return { value: sameCase, equivalent: false };
  for (const group of equivalents ?? []) {
    if (!group.some((v) => v.toLowerCase() === lower)) continue;
    const match = allowed.find((v) => group.includes(v));
    if (match !== undefined) return { value: match, equivalent: true };
    // The value's meaning is known and has no spelling here: a look-alike of another meaning would mislead.
    return undefined;
  }
  const typo = nearest(received, allowed, 2);
  return typo === undefined ? undefined : { value: typo, equivalent: false };
}

/**
 * A did-you-mean for an SSE-looking header name outside the catalogue: the nearest name of its own dialect,
 * or, for an x-amz- name, the x-obs- header it may mean when that header has no S3 spelling.
 */
export function headerHint(
  name: string,
  names: { readonly obs: readonly string[]; readonly s3: readonly string[] },
  hasS3: readonly boolean[],
): string {
  if (name.length > 128) return '';
  const s3 = name.startsWith('x-amz-');
  const limit = Math.max(2, Math.floor(name.length / 8));
  // names.s3 holds the OBS name of OBS-only headers; suggesting it to an S3 message would make it mixed.
  const own = s3 ? names.s3.filter((_, i) => hasS3[i]) : names.obs;
  const same = nearest(name, own, limit);
  if (same) return ` Did you mean ${same}?`;
  // Every header has an OBS spelling, so only an S3 message can name a header its dialect lacks.
  if (!s3) return '';
  const obsOnly = names.obs.filter((_, i) => !hasS3[i]).map((o) => o.slice(6));
  const match = nearest(name.slice(6), obsOnly, limit);
  return match ? ` Did you mean x-obs-${match}? It has no S3-dialect spelling.` : '';
}
