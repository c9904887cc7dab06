/** createChecker's options are checked: an unknown code or level is a TypeError naming what is valid. */
import { createChecker, getChecker } from '../../src';
import { createChecker as coreCreateChecker } from '../../src/core';
import codes from '../../rules/codes.json';

const codeIds = Object.keys(codes.codes);

describe('createChecker({ severity })', () => {
  test('an unknown code is a TypeError that lists the valid codes', () => {
    const make = () => createChecker({ severity: { 'sse-c/md5-mismatchh': 'off' } as never });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(/unknown code "sse-c\/md5-mismatchh"/);
    expect(make).toThrow(/Did you mean sse-c\/md5-mismatch\?/);
    for (const code of codeIds) expect(make).toThrow(code);
  });

  test.each(['ERROR', 'of', '', 'fatal', 0, null])(
    'the level %p is a TypeError listing the levels',
    (level) => {
      const make = () => createChecker({ severity: { 'sse-c/md5-mismatch': level } as never });
      expect(make).toThrow(TypeError);
      expect(make).toThrow('expected one of error, warning, info, off');
    },
  );

  test('severity must be an object', () => {
    expect(() => createChecker({ severity: 'off' as never })).toThrow(TypeError);
    expect(() => createChecker({ severity: ['off'] as never })).toThrow(TypeError);
  });

  test('a prototype key is an unknown code, not a way into Object.prototype', () => {
    const severity = JSON.parse('{"__proto__": "off", "constructor": "off"}') as never;
    expect(() => createChecker({ severity })).toThrow(/unknown code "__proto__"/);
  });

  test('valid overrides still apply, and an error turned off makes the map valid', () => {
    const invalid = codes.codes['sse-c/md5-mismatch'].examples.invalid;
    const checker = createChecker({ severity: { 'sse-c/md5-mismatch': 'off' } });
    const r = checker.validate(invalid as never);
    expect(r.diagnostics.map((d) => d.code)).not.toContain('sse-c/md5-mismatch');
    expect(
      createChecker({ severity: { 'sse-c/md5-mismatch': 'warning' } }).validate(invalid as never).valid,
    ).toBe(true);
  });

  test('a long hostile key is shortened in the message', () => {
    const severity = { ['x'.repeat(100_000)]: 'off' } as never;
    let message = '';
    try {
      createChecker({ severity });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.length).toBeLessThan(4000);
  });
});

describe("the core's createChecker({ rules })", () => {
  test('a directory name is a TypeError pointing to loadRuleSet, since the core reads no files', () => {
    expect(() => coreCreateChecker({ rules: 'rules/' as never })).toThrow(
      /loadRuleSet\(dir\) from 'obs-sse-rules\/rules'/,
    );
    expect(() => coreCreateChecker({ rules: null as never })).toThrow(TypeError);
  });

  test('a rule set object is compiled as given', () => {
    const checker = coreCreateChecker({ rules: getChecker().rules });
    expect(checker.operations).toEqual(getChecker().operations);
  });
});
