import type { ScanState } from '../engine/state';
import type { Scheme } from '../types';
import { type CheckKind, type HeaderCondition, headerConditionSchema } from './types';

/** A message that must travel over a given scheme when any trigger header (with its values) is present. */
export const transport: CheckKind<{ scheme: Scheme; whenAny: HeaderCondition[] }> = {
  kind: 'transport',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['scheme', 'whenAny'],
    properties: {
      scheme: { enum: ['http', 'https'] },
      whenAny: { type: 'array', minItems: 1, items: headerConditionSchema },
    },
  },
  compile({ scheme, whenAny }, ctx) {
    const triggers = whenAny.map((t) => ({
      index: ctx.index(t.header),
      values: t.values && new Set(t.values),
    }));
    const firstTrigger = (s: ScanState) =>
      triggers.find((t) => s.bits & (1 << t.index) && (!t.values || t.values.has(s.canon[t.index]!)));
    return {
      triggers: triggers.reduce((m, t) => m | (1 << t.index), 0),
      // Without a known scheme there is nothing to judge.
      test: (s) => s.scheme === undefined || s.scheme === scheme || firstTrigger(s) === undefined,
      explain(s, report) {
        const t = firstTrigger(s);
        if (t) report(s, { header: t.index, received: s.scheme, expected: [scheme] });
      },
    };
  },
};
