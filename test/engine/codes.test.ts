/** Every diagnostic code is documented, its examples behave as documented, and the README lists it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createChecker, getChecker, loadRuleSet } from '../../src';

const rules = loadRuleSet();
const codes = Object.entries(rules.codes);

test('every code used by a rule or a cell is in codes.json, and every engine code is reachable', () => {
  const used = new Set([
    ...rules.rules.map((r) => r.code),
    ...rules.operations.flatMap((o) =>
      [...Object.values(o.request), ...Object.values(o.response)].flatMap((c) => (c.code ? [c.code] : [])),
    ),
  ]);
  for (const code of used) expect(rules.codes[code]).toBeDefined();
});

describe.each(codes.filter(([, def]) => def.examples.valid))('%s', (code, def) => {
  test('the valid example does not raise it', () => {
    const r = getChecker().validate(def.examples.valid!);
    expect(r.diagnostics.map((d) => d.code)).not.toContain(code);
  });
  test('the invalid example raises it with the documented severity', () => {
    const r = getChecker().validate(def.examples.invalid!);
    expect(r.diagnostics.filter((d) => d.code === code).map((d) => d.severity)[0]).toBe(def.severity);
  });
  test('turning it off removes it', () => {
    const r = createChecker({ severity: { [code]: 'off' } }).validate(def.examples.invalid!);
    expect(r.diagnostics.map((d) => d.code)).not.toContain(code);
  });
});

test('the README lists every code', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  for (const [code] of codes) expect(readme).toContain(`\`${code}\``);
});
