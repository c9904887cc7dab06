import type { HeaderId } from '../rules/model';
import { md5OfBase64 } from '../values/base64';
import { type CheckKind, headerIdSchema } from './types';

/** A header that must be the base64 MD5 of another header's decoded bytes (the SSE-C key MD5). */
export const md5Of: CheckKind<{ key: HeaderId; md5: HeaderId }> = {
  kind: 'md5-of',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['key', 'md5'],
    properties: { key: headerIdSchema, md5: headerIdSchema },
  },
  compile(options, ctx) {
    const key = ctx.index(options.key);
    const md5 = ctx.index(options.md5);
    const both = (1 << key) | (1 << md5);
    return {
      triggers: both,
      // Malformed keys or digests are reported by their value checks; comparing them would only repeat that.
      test: (s) => (s.valid & both) !== both || md5OfBase64(s.raw(key)!) === s.raw(md5),
      explain: (s, report) => report(s, { header: md5, other: key }),
    };
  },
};
