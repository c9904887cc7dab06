import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECK_KINDS } from '../checks';
import type { Provenance } from '../types';
import type {
  Cell,
  CodeDef,
  ForeignHeaderDef,
  DialectDef,
  HeaderDef,
  OperationDef,
  OperationTable,
  RuleDef,
  RuleSet,
  ValueKind,
  ValueKindDef,
} from './model';

/** Thrown when a rule file is unreadable or invalid; the message names the file and the JSON pointer. */
export class RuleLoadError extends Error {
  constructor(
    readonly file: string,
    readonly pointer: string,
    detail: string,
  ) {
    super(`${file}${pointer ? ` at ${pointer}` : ''}: ${detail}`);
    this.name = 'RuleLoadError';
  }
}

/** The rules/ directory of this package, found from the running file whether it runs from src/ or dist/. */
export function defaultRulesDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'rules');
    if (fs.existsSync(path.join(candidate, 'headers.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`obs-sse-rules: cannot find the rules/ directory above ${__dirname}`);
    dir = parent;
  }
}

const SCHEMAS = ['headers', 'operations', 'rules', 'codes', 'dialect'] as const;
type SchemaName = (typeof SCHEMAS)[number];

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new RuleLoadError(file, '', `cannot read the file (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RuleLoadError(file, '', `not valid JSON (${(err as Error).message})`);
  }
}

function firstError(errors: ErrorObject[] | null | undefined): ErrorObject | undefined {
  // The deepest pointer is the most specific complaint; ajv reports parents of oneOf failures first.
  return [...(errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const property = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (property !== undefined)
    return `property name "${property}": ${describe({ ...error, propertyName: undefined } as ErrorObject)}`;
  if (error.keyword === 'additionalProperties')
    return `unknown property "${String(params.additionalProperty)}"`;
  if (error.keyword === 'enum') return `${error.message}: ${JSON.stringify(params.allowedValues)}`;
  return error.message ?? error.keyword;
}

/** Validates a JSON document against a JSON Schema and throws a RuleLoadError naming file and pointer. */
export function assertValid(
  validate: { (data: unknown): boolean; errors?: ErrorObject[] | null },
  data: unknown,
  file: string,
  basePointer = '',
): void {
  if (validate(data)) return;
  const err = firstError(validate.errors);
  throw new RuleLoadError(
    file,
    `${basePointer}${err?.instancePath ?? ''}` || '/',
    err ? describe(err) : 'invalid',
  );
}

/** Creates the ajv instance used for the rule files, with their schemas registered. */
export function createRulesAjv(rulesDir: string): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  for (const name of SCHEMAS) {
    ajv.addSchema(readJson(path.join(rulesDir, 'schema', `${name}.schema.json`)) as object, name);
  }
  return ajv;
}

function load<T>(ajv: Ajv2020, rulesDir: string, file: string, schema: SchemaName): T {
  const full = path.join(rulesDir, file);
  const data = readJson(full);
  const validate = ajv.getSchema(schema);
  if (!validate) throw new Error(`schema ${schema} is not registered`);
  assertValid(validate, data, full);
  return data as T;
}

/** Cells inherit the seed column's provenance unless they name their own. */
function resolveTable(
  op: OperationDef,
  table: OperationTable,
  headers: Map<string, HeaderDef>,
): OperationTable {
  const out: OperationTable = {};
  for (const [id, cell] of Object.entries(table) as [keyof OperationTable, Cell][]) {
    const seed: Provenance[] = op.seed
      ? [{ source: 'seed', table: op.seed.table, header: headers.get(id)?.name, column: op.seed.column }]
      : [];
    const provenance = [...(op.provenance ?? []), ...(cell.provenance ?? []), ...seed];
    if (cell.note && seed[0]) seed[0].note = cell.note;
    // A cell accepted with a warning is the project's addition: the seed's own cell there is "-".
    if (cell.severity && seed[0])
      seed[0].note = 'The seed\'s cell is "-"; this project accepts the header beyond it.';
    out[id] = { ...cell, provenance };
  }
  return out;
}

/**
 * Each rule names a kind of the closed registry, and its options pass that kind's own schema. Checked here,
 * at load, so that the checker (and the isomorphic core that compiles the shipped rules) carries no ajv.
 */
function checkRuleOptions(ajv: Ajv2020, rules: readonly RuleDef[]): void {
  const validators = new Map<string, ReturnType<Ajv2020['compile']>>();
  for (const rule of rules) {
    const kind = CHECK_KINDS.get(rule.kind);
    // The pointer counts rules within their own file, as an editor shows them.
    const i = rules.filter((r) => r.file === rule.file).indexOf(rule);
    if (!kind) {
      throw new RuleLoadError(
        rule.file,
        `/rules/${i}/kind`,
        `rule "${rule.id}" names check kind "${rule.kind}"; known kinds: ${[...CHECK_KINDS.keys()].join(', ')}`,
      );
    }
    let validate = validators.get(rule.kind);
    if (!validate) validators.set(rule.kind, (validate = ajv.compile(kind.optionsSchema)));
    assertValid(validate, rule.options, rule.file, `/rules/${i}/options`);
  }
}

/**
 * Reads every rule file, validates each against its schema in rules/schema/ (ajv), checks the references
 * between files, and resolves defaults (provenance, `like`). Throws RuleLoadError on the first problem.
 */
export function loadRuleSet(rulesDir: string = defaultRulesDir()): RuleSet {
  const ajv = createRulesAjv(rulesDir);
  const catalogue = load<{
    headers: HeaderDef[];
    valueKinds: Record<ValueKind, ValueKindDef>;
    sseLikePattern: string;
    foreignHeaders?: ForeignHeaderDef[];
  }>(ajv, rulesDir, 'headers.json', 'headers');
  const headersFile = path.join(rulesDir, 'headers.json');
  const byId = new Map<string, HeaderDef>();
  catalogue.headers.forEach((h, i) => {
    if (byId.has(h.id))
      throw new RuleLoadError(headersFile, `/headers/${i}/id`, `header id "${h.id}" is listed twice`);
    byId.set(h.id, h);
  });
  for (const [kind, def] of Object.entries(catalogue.valueKinds)) {
    if (def.pattern === undefined) continue;
    try {
      new RegExp(def.pattern, 'u');
    } catch (err) {
      throw new RuleLoadError(headersFile, `/valueKinds/${kind}/pattern`, (err as Error).message);
    }
  }

  const opsFile = path.join(rulesDir, 'operations.json');
  const rawOps = load<{ operations: OperationDef[] }>(
    ajv,
    rulesDir,
    'operations.json',
    'operations',
  ).operations;
  const rawById = new Map(rawOps.map((op) => [op.id, op]));
  const operations = rawOps.map((op, i): OperationDef => {
    if (rawOps.findIndex((o) => o.id === op.id) !== i)
      throw new RuleLoadError(opsFile, `/operations/${i}/id`, `operation "${op.id}" is listed twice`);
    if (!op.like) {
      return {
        ...op,
        request: resolveTable(op, op.request, byId),
        response: resolveTable(op, op.response, byId),
      };
    }
    const base = rawById.get(op.like);
    if (!base || base.like)
      throw new RuleLoadError(
        opsFile,
        `/operations/${i}/like`,
        `"${op.like}" must name an operation with its own cells`,
      );
    const merged = { ...base, ...op, provenance: op.provenance };
    return {
      ...op,
      request: resolveTable(merged, base.request, byId),
      response: resolveTable(merged, base.response, byId),
    };
  });

  const codes = load<{ codes: Record<string, CodeDef> }>(ajv, rulesDir, 'codes.json', 'codes').codes;
  const rules: RuleDef[] = [];
  for (const file of ['cross-header.json', 'transport.json']) {
    const list = load<{ rules: Omit<RuleDef, 'file'>[] }>(ajv, rulesDir, file, 'rules').rules;
    list.forEach((rule, i) => {
      if (!codes[rule.code])
        throw new RuleLoadError(
          path.join(rulesDir, file),
          `/rules/${i}/code`,
          `code "${rule.code}" is not in codes.json`,
        );
      if (rule.appendPosition && rule.operations?.join() !== 'AppendObject')
        throw new RuleLoadError(
          path.join(rulesDir, file),
          `/rules/${i}/appendPosition`,
          'appendPosition applies to AppendObject only: set "operations": ["AppendObject"]',
        );
      rules.push({ ...rule, file: path.join(rulesDir, file) });
    });
  }
  operations.forEach((op, i) => {
    for (const dir of ['request', 'response'] as const) {
      for (const [id, cell] of Object.entries(op[dir]) as [string, Cell][]) {
        if (cell.code && !codes[cell.code])
          throw new RuleLoadError(
            opsFile,
            `/operations/${i}/${dir}/${id}/code`,
            `code "${cell.code}" is not in codes.json`,
          );
      }
    }
  });

  checkRuleOptions(ajv, rules);

  const foreignHeaders = catalogue.foreignHeaders ?? [];
  foreignHeaders.forEach((f, i) => {
    if (!codes[f.code])
      throw new RuleLoadError(
        headersFile,
        `/foreignHeaders/${i}/code`,
        `code "${f.code}" is not in codes.json`,
      );
  });

  const s3 = load<DialectDef>(ajv, rulesDir, 'dialect-s3.json', 'dialect');
  return {
    headers: catalogue.headers,
    valueKinds: catalogue.valueKinds,
    sseLikePattern: catalogue.sseLikePattern,
    foreignHeaders,
    operations,
    rules,
    codes,
    s3,
  };
}
