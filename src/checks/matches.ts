import type { HeaderId } from '../rules/model';
import { type CheckKind, headerIdSchema } from './types';

/**
 * A header whose value its cell accepts, but which should also match a narrower pattern in this direction
 * (a response's KMS key id in the full form OBS returns). The pattern is compiled once, with the rule.
 */
export const matches: CheckKind<{ header: HeaderId; pattern: string; description: string }> = {
  kind: 'matches',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['header', 'pattern', 'description'],
    properties: {
      header: headerIdSchema,
      pattern: { type: 'string', minLength: 1 },
      description: { type: 'string', minLength: 1 },
    },
  },
  compile({ header, pattern, description }, ctx) {
    const index = ctx.index(header);
    const bit = 1 << index;
    const re = new RegExp(pattern, 'u');
    return {
      triggers: bit,
      // A value its cell refused is reported there already.
      test: (s) => !(s.valid & bit) || re.test(s.canon[index]!),
      explain(s, report) {
        report(s, { header: index, expected: [description] });
      },
    };
  },
};
