import type { HeaderId } from '../rules/model';
import { type CheckKind, headerIdSchema, indexesOf, maskOf } from './types';

/** Headers that must never travel in a direction (the customer keys in responses). */
export const forbidden: CheckKind<{ headers: HeaderId[] }> = {
  kind: 'forbidden',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['headers'],
    properties: { headers: { type: 'array', minItems: 1, uniqueItems: true, items: headerIdSchema } },
  },
  compile({ headers }, ctx) {
    const mask = maskOf(headers, ctx);
    return {
      triggers: mask,
      // `sent`, not `bits`: these headers are in no table, yet must be reported.
      test: (s) => (s.sent & mask) === 0,
      explain(s, report) {
        for (const i of indexesOf(s.sent & mask)) report(s, { header: i });
      },
    };
  },
};
