import type { HeaderId } from '../rules/model';
import { type CheckKind, headerIdSchema, indexesOf, maskOf } from './types';

/** Headers that travel together: all of them or none (the SSE-C triples). */
export const allOrNone: CheckKind<{ headers: HeaderId[] }> = {
  kind: 'all-or-none',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['headers'],
    properties: { headers: { type: 'array', minItems: 2, uniqueItems: true, items: headerIdSchema } },
  },
  compile({ headers }, ctx) {
    const mask = maskOf(headers, ctx);
    const members = indexesOf(mask);
    return {
      triggers: mask,
      test(s) {
        const p = s.bits & mask;
        return p === 0 || p === mask;
      },
      explain(s, report) {
        const expected = members.map((i) => ctx.nameOf(i, s.dialect));
        for (const i of members) if (!(s.bits & (1 << i))) report(s, { header: i, expected });
      },
    };
  },
};
