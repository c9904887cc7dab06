/** generated/ruleset.ts is rules/ as loadRuleSet reads it, so the shipped checker needs no file at run time. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RULE_SET } from '../../generated/ruleset';
import { Checker, createChecker, defaultRulesDir, getChecker, loadRuleSet } from '../../src';
import { portableRuleSet } from '../../src/rules/portable';

test('the compiled rule set equals a fresh load of rules/', () => {
  expect(RULE_SET).toEqual(portableRuleSet(loadRuleSet()));
});

test('its rules name their files relative to the package, not this machine', () => {
  for (const rule of RULE_SET.rules) expect(rule.file).toMatch(/^rules\/[a-z0-9-]+\.json$/);
  expect(JSON.stringify(RULE_SET)).not.toContain(defaultRulesDir());
});

test('getChecker compiles the compiled rule set; createChecker({ rules: dir }) still loads a directory', () => {
  expect(getChecker().rules).toBe(RULE_SET);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-sse-ruleset-'));
  try {
    fs.cpSync(defaultRulesDir(), dir, { recursive: true });
    const file = path.join(dir, 'codes.json');
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    data.codes['sse-c/md5-mismatch'].severity = 'warning';
    fs.writeFileSync(file, JSON.stringify(data));
    const invalid = data.codes['sse-c/md5-mismatch'].examples.invalid;
    expect(createChecker({ rules: dir }).validate(invalid).valid).toBe(true);
    expect(createChecker().validate(invalid).valid).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a rule set without the engine's own codes is refused when the checker is built, not at first use", () => {
  const codes = { ...RULE_SET.codes };
  delete codes['dialect/mixed'];
  expect(() => new Checker({ ...RULE_SET, codes })).toThrow('unknown diagnostic code dialect/mixed');
});
