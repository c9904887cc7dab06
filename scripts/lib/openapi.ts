import type { RuleSet } from '../../src/rules/model';

/** Placeholder replaced by the OpenAPI export (issue 5). */
export function buildOpenApi(rules: RuleSet): Record<string, unknown> {
  return { openapi: '3.1.0', info: { title: 'obs-sse-rules', version: '0' }, paths: {}, 'x-operations': rules.operations.length };
}
