/**
 * Hostile input to the new readers, generated: any JSON through every log preset, and any bytes behind
 * a container's magic. Each must end in exchanges or errors that name the line or the container, never
 * in an exception, and never hang.
 */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { LOG_PRESETS, NdjsonSplitter, type LogPreset, type TrafficItem } from '../../src/traffic';
import { ContainerError, unwrapContainers } from '../../src/traffic/container';

const PRESETS = Object.keys(LOG_PRESETS) as LogPreset[];

/** JSON shaped somewhat like the presets, so the converters get past their first checks. */
const nearShape = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(
      '',
      '-',
      'PUT',
      'https://b.obs.cn-north-4.myhuaweicloud.com/k',
      '/k?uploads',
      200,
      null,
      '[REDACTED]',
    ),
    fc.jsonValue({ maxDepth: 1 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom(
        'request',
        'response',
        'headers',
        'method',
        'url',
        'status',
        'request_method',
        'request_uri',
        'http_host',
        'upstream_http_x_obs_server_side_encryption',
        'request_headers',
        'response_code',
        'path',
        'authority',
        'resourceSpans',
        'scopeSpans',
        'spans',
        'attributes',
        'key',
        'value',
        'stringValue',
        'arrayValue',
        'values',
        'service',
        'upstream_uri',
      ),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
})).value;

it('reads any JSON line through every preset into exchanges or line errors', () => {
  fc.assert(
    fc.property(fc.constantFrom(...PRESETS), fc.array(nearShape, { maxLength: 4 }), (preset, values) => {
      const splitter = new NdjsonSplitter({ records: LOG_PRESETS[preset] });
      const out: TrafficItem[] = [];
      splitter.push(Buffer.from(values.map((v) => JSON.stringify(v) ?? 'null').join('\n')), out);
      splitter.end(out);
      for (const item of out) {
        if (item.kind === 'error') expect(item.message).toMatch(/^line \d+/);
        else expect(typeof item.exchange.method).toBe('string');
      }
    }),
    { numRuns: 400 },
  );
});

async function drain(bytes: Buffer): Promise<string> {
  try {
    const u = await unwrapContainers(Readable.from([bytes]), undefined, { maxBytes: 1024 * 1024 });
    for await (const chunk of u.source) void chunk;
    return 'read';
  } catch (err) {
    expect(err).toBeInstanceOf(ContainerError);
    return (err as Error).message;
  }
}

it('opens or refuses any bytes behind gzip, zlib and zip magic, with a ContainerError', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('gzip', 'zlib', 'zip', 'cut-gzip'),
      fc.uint8Array({ maxLength: 300 }),
      fc.nat(),
      async (kind, noise, cut) => {
        const text = Buffer.from(noise);
        const bytes =
          kind === 'gzip'
            ? Buffer.concat([Buffer.from([0x1f, 0x8b]), text])
            : kind === 'zlib'
              ? Buffer.concat([Buffer.from([0x78, 0x9c]), text])
              : kind === 'zip'
                ? Buffer.concat([Buffer.from('PK\u0003\u0004'), text])
                : gzipSync(text).subarray(0, cut % (text.length + 21));
        const outcome = await drain(bytes);
        expect(typeof outcome).toBe('string');
      },
    ),
    { numRuns: 200 },
  );
});
