import { type CheckKind, type HeaderCondition, headerConditionSchema } from './types';

/** A header (optionally with given values) that needs another header (optionally with given values). */
export const requires: CheckKind<{ if: HeaderCondition; then: HeaderCondition }> = {
  kind: 'requires',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['if', 'then'],
    properties: { if: headerConditionSchema, then: headerConditionSchema },
  },
  compile(options, ctx) {
    const ifIndex = ctx.index(options.if.header);
    const ifBit = 1 << ifIndex;
    const ifValues = options.if.values && new Set(options.if.values);
    const thenIndex = ctx.index(options.then.header);
    const thenBit = 1 << thenIndex;
    const thenValues = options.then.values && new Set(options.then.values);
    return {
      triggers: ifBit,
      test(s) {
        if (!(s.bits & ifBit)) return true;
        if (ifValues && !(s.valid & ifBit && ifValues.has(s.canon[ifIndex]!))) return true;
        if (!(s.bits & thenBit)) return false;
        // An invalid value of the required header is reported by its value check already.
        return !thenValues || !(s.valid & thenBit) || thenValues.has(s.canon[thenIndex]!);
      },
      explain(s, report) {
        const expected = options.then.values?.map((v) => ctx.spell(thenIndex, v, s.dialect));
        report(s, { header: ifIndex, other: thenIndex, expected });
      },
    };
  },
};
