import type { ScanState } from '../engine/state';
import type { Scheme } from '../types';
import { type CheckKind, type HeaderCondition, headerConditionSchema } from './types';

/**
 * A message that must travel over a given scheme when any trigger header (with its values) is present, unless
 * one of the `unlessAny` headers is: another rule then speaks for the message (for example an error where the
 * target is encrypted, so a warning about the copy source alone would say it twice).
 */
export const transport: CheckKind<{
  scheme: Scheme;
  whenAny: HeaderCondition[];
  unlessAny?: HeaderCondition[];
}> = {
  kind: 'transport',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['scheme', 'whenAny'],
    properties: {
      scheme: { enum: ['http', 'https'] },
      whenAny: { type: 'array', minItems: 1, items: headerConditionSchema },
      unlessAny: { type: 'array', minItems: 1, items: headerConditionSchema },
    },
  },
  compile({ scheme, whenAny, unlessAny = [] }, ctx) {
    const conditions = (list: HeaderCondition[]) =>
      list.map((t) => ({ index: ctx.index(t.header), values: t.values && new Set(t.values) }));
    const triggers = conditions(whenAny);
    const exemptions = conditions(unlessAny);
    const holds = (s: ScanState) => (t: { index: number; values: Set<string> | undefined }) =>
      s.bits & (1 << t.index) && (!t.values || t.values.has(s.canon[t.index]!));
    const firstTrigger = (s: ScanState) => (exemptions.some(holds(s)) ? undefined : triggers.find(holds(s)));
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
