/**
 * The guard core alone: what it judges (the request as forwarded), its one fail-closed policy, and the
 * session eviction events, with the engine guard or a guard that throws on purpose.
 */
import { createHash } from 'node:crypto';

import { createGuardCore, GUARD_FAILED, RESPONSE_CHECK_FAILED } from '../../src/guard/core';
import { createEngineGuard } from '../../src/guard/engine-guard';
import { forwardedPairs } from '../../src/guard/headers';
import type { HeaderPairs, ProxyGuard } from '../../src/guard/contract';
import { sseCHeaders } from '../../src/sse-c';
import { MemoryUploadSessionStore } from '../../src/traffic/upload-id';

const KEY = createHash('sha256').update('core test key').digest();
const SSE_C: HeaderPairs = Object.entries(sseCHeaders(KEY));
type Line = Record<string, unknown>;

describe('forwardedPairs', () => {
  it('returns the same array when no Connection field names a field', () => {
    const pairs: HeaderPairs = [
      ['Host', 'h'],
      ['Connection', 'keep-alive'],
      ['x-obs-server-side-encryption', 'kms'],
    ];
    expect(forwardedPairs(pairs)).toBe(pairs);
  });

  it('drops named fields and the hop-by-hop ones, keeping Host and Content-Length', () => {
    const pairs: HeaderPairs = [
      ['Host', 'h'],
      ['Content-Length', '3'],
      ['connection', 'X-OBS-Server-Side-Encryption, host, content-length'],
      ['x-obs-server-side-encryption', 'kms'],
      ['Keep-Alive', 'timeout=5'],
      ['x-obs-meta-a', 'b'],
    ];
    expect(forwardedPairs(pairs)).toEqual([
      ['Host', 'h'],
      ['Content-Length', '3'],
      ['x-obs-meta-a', 'b'],
    ]);
  });
});

describe('createGuardCore', () => {
  const request = (headers: HeaderPairs) => ({
    method: 'PUT',
    url: '/b/k',
    headers: [['Host', '127.0.0.1'], ...headers] as HeaderPairs,
    upstreamScheme: 'https' as const,
  });

  it('judges the request without the fields its Connection field names', () => {
    const core = createGuardCore({ log: () => undefined });
    const named = core.judge(
      request([...SSE_C, ['Connection', 'x-obs-server-side-encryption-customer-algorithm']]),
    );
    expect(named.refused).toBe(true);
    expect(named.request.headers.map(([n]) => n)).not.toContain(
      'x-obs-server-side-encryption-customer-algorithm',
    );
    expect(named.refusal()).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(core.judge(request(SSE_C)).refused).toBe(false);
  });

  it('fails closed in one place: request, form and response checks that throw', () => {
    const lines: Line[] = [];
    const boom = (): never => {
      throw new Error(`secret ${KEY.toString('base64')}`);
    };
    const guard: ProxyGuard = {
      checkRequest: () => ({ block: false, codes: [], diagnostics: [], readForm: true }),
      checkForm: boom,
      checkResponse: boom,
    };
    const core = createGuardCore({ guard, log: (l) => lines.push(l as Line) });
    const ex = core.judge(request([]));
    expect(ex.needsForm).toBe(true);
    ex.judgeForm({ fields: [] });
    expect(ex.verdict.codes).toEqual([GUARD_FAILED]);
    expect(ex.refused).toBe(true);
    expect(ex.refusal()).toMatchObject({ status: 500, code: 'InternalError' });
    expect(ex.error().codes).toEqual([GUARD_FAILED]);

    const reported = createGuardCore({
      guard: { ...guard, checkRequest: boom },
      mode: 'report',
      log: (l) => lines.push(l as Line),
    });
    const r = reported.judge(request([]));
    expect(r.label).toBe('reported');
    r.response(200, []);
    expect(r.responseCodes).toEqual([RESPONSE_CHECK_FAILED]);
    r.finish({ status: 200 });
    r.finish({ status: 200 });
    expect(lines.filter((l) => l.event === 'exchange')).toHaveLength(1);
    // The error's class only: a guard's message could quote a value.
    expect(JSON.stringify(lines)).not.toContain(KEY.toString('base64'));
    expect(lines.filter((l) => l.event === 'guard_error').map((l) => l.phase)).toEqual([
      'form',
      'request',
      'response',
    ]);
  });

  it('logs session evictions as they happen, at most once a second', () => {
    const lines: Line[] = [];
    const store = new MemoryUploadSessionStore({ maxEntries: 2 });
    const core = createGuardCore({ guard: createEngineGuard({ store }), log: (l) => lines.push(l as Line) });
    for (const id of ['a', 'b', 'c', 'd']) store.set(id, {});
    core.judge(request([])).finish({ status: 200 });
    store.set('e', {});
    core.judge(request([])).finish({ status: 200 });
    expect(lines.filter((l) => l.event === 'session_evictions')).toEqual([
      expect.objectContaining({ evicted: 2, total: 2 }),
    ]);
  });

  it('refuses an unknown mode', () => {
    expect(() => createGuardCore({ mode: 'audit' as never })).toThrow(TypeError);
  });
});
