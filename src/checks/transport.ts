import type { HeaderId } from '../rules/model';
import type { Scheme } from '../types';
import { type CheckKind, headerIdSchema } from './types';

interface Trigger {
  header: HeaderId;
  values?: string[];
}

/** A message that must travel over a given scheme when any trigger header (with its values) is present. */
export const transport: CheckKind<{ scheme: Scheme; whenAny: Trigger[] }> = {
  kind: 'transport',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['scheme', 'whenAny'],
    properties: {
      scheme: { enum: ['http', 'https'] },
      whenAny: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['header'],
          properties: {
            header: headerIdSchema,
            values: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' } },
          },
        },
      },
    },
  },
  compile({ scheme, whenAny }, ctx) {
    const triggers = whenAny.map((t) => ({
      index: ctx.index(t.header),
      values: t.values && new Set(t.values),
    }));
    const firstTrigger = (s: Parameters<ReturnType<typeof transport.compile>['test']>[0]) =>
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
