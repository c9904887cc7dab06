/** Rule files are validated at load; errors name the file and the JSON pointer and say what is wrong. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Checker, RuleLoadError, defaultRulesDir, loadRuleSet } from '../../src';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-sse-rules-'));
  fs.cpSync(defaultRulesDir(), dir, { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function edit(file: string, change: (data: Record<string, any>) => void): void {
  const full = path.join(dir, file);
  const data = JSON.parse(fs.readFileSync(full, 'utf8'));
  change(data);
  fs.writeFileSync(full, JSON.stringify(data, null, 2));
}

function loadError(): RuleLoadError {
  try {
    new Checker(loadRuleSet(dir));
  } catch (err) {
    expect(err).toBeInstanceOf(RuleLoadError);
    return err as RuleLoadError;
  }
  throw new Error('expected a RuleLoadError');
}

test('the shipped rules load', () => {
  expect(loadRuleSet().operations).toHaveLength(11);
});

test.each([
  [
    'an unknown header id in a table',
    'operations.json',
    (d: any) => (d.operations[1].request.sseKms = {}),
    '/operations/1/request',
    /sseKms|propertyName/,
  ],
  [
    'a misspelled value kind',
    'headers.json',
    (d: any) => (d.headers[2].valueKind = 'kms-keyid'),
    '/headers/2/valueKind',
    /allowed values/,
  ],
  [
    'a seed provenance without its table',
    'cross-header.json',
    (d: any) => (d.rules[0].provenance = [{ source: 'seed' }]),
    '/rules/0/provenance/0',
    /table/,
  ],
  [
    'an unknown property',
    'transport.json',
    (d: any) => (d.rules[0].scheme = 'https'),
    '/rules/0',
    /unknown property "scheme"/,
  ],
  [
    'a code missing from codes.json',
    'cross-header.json',
    (d: any) => (d.rules[1].code = 'sse-c/nope'),
    '/rules/1/code',
    /not in codes.json/,
  ],
  [
    'a code without its help text',
    'codes.json',
    (d: any) => delete d.codes['sse-c/md5-mismatch'].help,
    '/codes/sse-c~1md5-mismatch',
    /help/,
  ],
  [
    'a like pointing nowhere useful',
    'operations.json',
    (d: any) => (d.operations[4].like = 'AppendObject'),
    '/operations/4/like',
    /own cells/,
  ],
  [
    'an invalid value pattern',
    'headers.json',
    (d: any) => (d.valueKinds['project-id'].pattern = '(['),
    '/valueKinds/project-id/pattern',
    /Invalid regular expression/,
  ],
])('%s', (_, file, change, pointer, detail) => {
  edit(file, change);
  const err = loadError();
  expect(err.file).toBe(path.join(dir, file));
  expect(err.pointer).toBe(pointer);
  expect(err.message).toContain(path.join(dir, file));
  expect(err.message).toMatch(detail);
});

test('an unknown check kind is a load error, not a silent pass', () => {
  edit('cross-header.json', (d) => (d.rules[0].kind = 'all-or-nothing'));
  expect(() => new Checker(loadRuleSet(dir))).toThrow(
    /names check kind "all-or-nothing"; known kinds: all-or-none/,
  );
});

test("a rule's options are validated by its check kind's own schema", () => {
  edit('cross-header.json', (d) => (d.rules[0].options.headers = ['cAlg']));
  const err = loadError();
  expect(err.pointer).toBe('/rules/0/options/headers');
  expect(err.message).toMatch(/must NOT have fewer than 2 items/);
});

test('invalid JSON names the file', () => {
  fs.writeFileSync(path.join(dir, 'transport.json'), '{ "rules": [ ');
  const err = loadError();
  expect(err.message).toMatch(/transport\.json: not valid JSON/);
});

test('a missing file names the file', () => {
  fs.rmSync(path.join(dir, 'codes.json'));
  expect(loadError().message).toMatch(/codes\.json: cannot read the file/);
});
