/**
 * Builds the per-operation, per-direction JSON Schemas of the lower-cased OBS-dialect SSE headers from the
 * rule data. Plain JSON Schema 2020-12, plus two keywords other validators ignore: `md5Matches` (the SSE-C
 * key/MD5 relation, registered as a custom ajv keyword by the tests) and `tsType` (for json-schema-to-typescript).
 */
import type { HeaderDef, OperationDef, RuleDef, RuleSet } from '../../src/rules/model';
import type { Direction } from '../../src/types';
import { canonicalBase64Pattern } from '../../src/values/base64';
import { expandVariants, isAbsent, isAnyValue, type Variant } from './variants';

export const SCHEMA_BASE_ID = 'https://obs-sse-rules.local/schemas/';
const NEVER = { not: {}, tsType: 'never' };

export function schemaFileName(op: string, direction: Direction): string {
  return `${op}.${direction}.json`;
}

export function typeName(op: string, direction: Direction): string {
  return `${op}${direction === 'request' ? 'Request' : 'Response'}SseHeaders`;
}

/**
 * The JSON Schema of one header value: an enumeration of the cell's values, or the value kind's pattern. Shared
 * with the OpenAPI export, so both describe a value the same way.
 */
export function valueSchema(
  rules: RuleSet,
  h: HeaderDef,
  values: string[] | undefined,
): Record<string, unknown> {
  switch (h.valueKind) {
    case 'enumeration':
      return { enum: values ?? [] };
    case 'base64-key-256':
    case 'base64-md5': {
      const bytes = rules.valueKinds[h.valueKind].bytes!;
      return { type: 'string', pattern: canonicalBase64Pattern(bytes), contentEncoding: 'base64' };
    }
    default: {
      const kind = rules.valueKinds[h.valueKind];
      return {
        type: 'string',
        pattern: kind.pattern,
        ...(kind.maxLength ? { maxLength: kind.maxLength } : {}),
      };
    }
  }
}

function variantSchema(rules: RuleSet, v: Variant): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [id, states] of v) {
    const name = rules.headers.find((h) => h.id === id)!.name.toLowerCase();
    const present = [...states].filter((s) => !isAbsent(s));
    if (present.length === 0) {
      properties[name] = NEVER;
      continue;
    }
    if (present.length === states.size) required.push(name);
    properties[name] = present.some(isAnyValue)
      ? { type: 'string' }
      : present.length === 1
        ? { const: present[0] }
        : { enum: present.sort() };
  }
  return required.length ? { properties, required: required.sort() } : { properties };
}

/**
 * The cross-header and transport rules that apply to one operation and direction. Rules about one append
 * (`appendPosition`) are left out: a schema sees headers, not the ?position, so it describes an append whose
 * position is unknown, as the engine does without one.
 */
export function applicable(rules: RuleDef[], op: OperationDef, direction: Direction): RuleDef[] {
  return rules.filter(
    (r) =>
      r.directions.includes(direction) &&
      (!r.operations || r.operations.includes(op.id)) &&
      r.appendPosition === undefined,
  );
}

/** The JSON Schema of one operation and direction. */
export function buildSchema(rules: RuleSet, op: OperationDef, direction: Direction): Record<string, unknown> {
  const table = op[direction];
  const properties: Record<string, unknown> = {};
  for (const h of rules.headers) {
    const cell = table[h.id];
    const name = h.name.toLowerCase();
    if (!cell) {
      properties[name] = { ...NEVER, description: `${h.name}: not taken by ${op.id} ${direction}s.` };
      continue;
    }
    const notes = [
      h.description,
      cell.note,
      cell.severity ? `Accepted with a ${cell.severity} (${cell.code}).` : undefined,
    ];
    if (h.secret) notes.push('Secret: never log it.');
    properties[name] = {
      description: notes.filter(Boolean).join(' '),
      ...valueSchema(rules, h, cell.values),
    };
  }
  const rulesHere = applicable(rules.rules, op, direction);
  const components = expandVariants(rules.headers, table, rulesHere);
  const md5 = rulesHere
    .filter((r) => r.kind === 'md5-of')
    .map((r) => {
      const o = r.options as { key: string; md5: string };
      const nameOf = (id: string) => rules.headers.find((h) => h.id === id)!.name.toLowerCase();
      return { key: nameOf(o.key), md5: nameOf(o.md5) };
    })
    .filter((p) => table[rules.headers.find((h) => h.name.toLowerCase() === p.key)!.id]);
  const schema: Record<string, unknown> = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${SCHEMA_BASE_ID}${schemaFileName(op.id, direction)}`,
    title: typeName(op.id, direction),
    description: `The SSE headers of an OBS ${op.id} ${direction} (${op.http}), lower-cased. Header names outside the catalogue that look like SSE headers are refused.`,
    type: 'object',
    properties,
    propertyNames: {
      anyOf: [
        { enum: rules.headers.map((h) => h.name.toLowerCase()) },
        { not: { pattern: rules.sseLikePattern } },
      ],
    },
  };
  if (md5.length) schema.md5Matches = md5;
  if (components.length) {
    schema.allOf = components.map((c) => ({ anyOf: c.variants.map((v) => variantSchema(rules, v)) }));
  }
  return schema;
}
