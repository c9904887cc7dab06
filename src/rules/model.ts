import type { Direction, Operation, Provenance, Severity } from '../types';

/** Short ids of the catalogue's headers, as the rule files use them. */
export type HeaderId =
  | 'sse'
  | 'data'
  | 'kmsKey'
  | 'project'
  | 'bucketKey'
  | 'cAlg'
  | 'cKey'
  | 'cMd5'
  | 'srcAlg'
  | 'srcKey'
  | 'srcMd5';
/** Which append an AppendObject request is, from its `position`: 0 is the first, more a later one. */
export type AppendPosition = 'first' | 'later';
export type ValueKind = 'enumeration' | 'base64-key-256' | 'base64-md5' | 'kms-key-id' | 'project-id';
export type Family = 'SSE-KMS' | 'SSE-OBS' | 'SSE-C' | 'copy-source SSE-C';

export interface HeaderDef {
  id: HeaderId;
  /** Documented spelling, e.g. `x-obs-server-side-encryption-customer-key-MD5`. */
  name: string;
  families: Family[];
  valueKind: ValueKind;
  secret: boolean;
  description: string;
  equivalentValues?: string[][];
}

/** A header from outside OBS's catalogue with a code of its own, to say what OBS does with it. */
export interface ForeignHeaderDef {
  /** Lower-case name, e.g. `x-amz-server-side-encryption-context`. */
  name: string;
  code: string;
  provenance: Provenance[];
}

export interface ValueKindDef {
  description: string;
  bytes?: number;
  pattern?: string;
  maxLength?: number;
  example?: string;
}

/** One cell of a table: a header an operation takes in one direction. */
export interface Cell {
  /** Allowed values, for enumerations; absent means any value of the header's kind. */
  values?: string[];
  note?: string;
  /** A cell listed with a non-error severity is accepted but reported (the project id on object writes). */
  severity?: Severity;
  code?: string;
  provenance: Provenance[];
}

export type OperationTable = Partial<Record<HeaderId, Cell>>;

export interface OperationDef {
  id: Operation;
  target: 'bucket' | 'object';
  http: string;
  seed?: { table: number; column: string };
  /** Provenance of the whole column (for operations that are not seed columns). */
  provenance?: Provenance[];
  like?: Operation;
  request: OperationTable;
  response: OperationTable;
}

export interface RuleDef {
  id: string;
  code: string;
  kind: string;
  severity?: Severity;
  operations?: Operation[];
  /** AppendObject only: the rule holds for the first append (position 0) or for later ones. */
  appendPosition?: AppendPosition;
  directions: Direction[];
  options: Record<string, unknown>;
  provenance: Provenance[];
  /** The rule file it came from, for error messages. */
  file: string;
}

export interface CodeExample {
  operation: Operation;
  direction: Direction;
  headers: Record<string, unknown> | [string, unknown][];
  scheme?: 'http' | 'https';
  dialect?: 'obs' | 's3' | 'auto';
  /** AppendObject's position, for examples of the rules about one append. */
  position?: number;
  /** The request-target, for codes about the URL. */
  url?: string;
}

export interface CodeDef {
  severity: Severity;
  summary: string;
  message: string;
  help: string;
  examples: { valid?: CodeExample; invalid?: CodeExample };
}

export interface DialectDef {
  dialect: 's3';
  provenance: Provenance[];
  headers: Partial<
    Record<HeaderId, { name: string; values?: Record<string, string>; provenance?: Provenance[] }>
  >;
}

/** Every rule file, validated and with defaults resolved; the input of the compiler and of codegen. */
export interface RuleSet {
  headers: HeaderDef[];
  valueKinds: Record<ValueKind, ValueKindDef>;
  sseLikePattern: string;
  /** Headers outside the catalogue that clients send, read under their own code instead of header/unknown. */
  foreignHeaders: ForeignHeaderDef[];
  operations: OperationDef[];
  rules: RuleDef[];
  codes: Record<string, CodeDef>;
  s3: DialectDef;
}
