import type { HeaderId } from '../rules/model';
import { type CheckKind, headerIdSchema, indexesOf, maskOf } from './types';

/** Two groups of headers that name different methods and must not meet on one message. */
export const mutuallyExclusive: CheckKind<{ a: HeaderId[]; b: HeaderId[] }> = {
  kind: 'mutually-exclusive',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['a', 'b'],
    properties: {
      a: { type: 'array', minItems: 1, uniqueItems: true, items: headerIdSchema },
      b: { type: 'array', minItems: 1, uniqueItems: true, items: headerIdSchema },
    },
  },
  compile(options, ctx) {
    const a = maskOf(options.a, ctx);
    const b = maskOf(options.b, ctx);
    return {
      triggers: a | b,
      test: (s) => (s.bits & a) === 0 || (s.bits & b) === 0,
      explain(s, report) {
        const other = indexesOf(s.bits & b)[0];
        for (const i of indexesOf(s.bits & a)) report(s, { header: i, other });
      },
    };
  },
};
