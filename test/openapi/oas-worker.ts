/**
 * The real OpenAPI tooling, in a child process of the tests: swagger-parser 13 and openapi-backend 5 load
 * @apidevtools/json-schema-ref-parser, which is ESM-only and cannot be loaded by jest's CommonJS module
 * system. Plain node (with tsx for this file) loads them; the tests talk to this process over IPC
 * (test/openapi/oas.ts).
 *
 * - swagger-parser `validate()` checks a document against the OpenAPI 3.1 meta-schema and dereferences it.
 *   (For 3.1 it checks nothing beyond the meta-schema: path parameters and unique operation ids are
 *   checked by test/openapi/document.test.ts.)
 * - openapi-backend's OpenAPIValidator (ajv) validates requests and response headers. Its own definition check
 *   is for OpenAPI 3.0 (it refuses `info.summary`, `const`, `contentMediaType`), so it is built on the
 *   document swagger-parser has validated.
 * - openapi-backend reads path parameters by matching `operation.path` against the request path, so it is
 *   handed the path without the discriminator (`x-obs-route.path`). The discriminating query parameters are
 *   declared as required query parameters, so nothing is lost.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import * as fs from 'node:fs';
import { OpenAPIValidator, type Document } from 'openapi-backend';
import { urlFor, type Message, type Route } from './common';

type Json = Record<string, unknown>;
type Param = Json & { name: string; in: string };
type Op = Json & { 'x-obs-route': Route; parameters: Param[]; requestBody?: Json; responses: Json };

export type WorkerRequest =
  | { id: number; type: 'load'; file: string }
  | { id: number; type: 'validate'; document: Json }
  | { id: number; type: 'verdict'; message: Message };

let validator: OpenAPIValidator | undefined;

function operation(id: string): Op {
  const op = validator!.router.getOperation(id);
  if (!op) throw new Error(`no operation ${id} in the OpenAPI document`);
  return op as unknown as Op;
}

/** `code header` for an error at a header or form field, from the failing schema's `x-obs-code`. */
function codeAt(instancePath: string, schemaOf: (name: string) => Json | undefined): string {
  const m = /^\/(?:header|headers|requestBody)\/([^/]+)$/.exec(instancePath);
  const name = m?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
  const code = name === undefined ? undefined : schemaOf(name)?.['x-obs-code'];
  return typeof code === 'string' ? `${code} ${name}` : `openapi ${instancePath}`;
}

function verdict(m: Message): string[] {
  const op = operation(m.operation);
  const route = op['x-obs-route'];
  let errors: { instancePath: string }[] | null | undefined;
  let schemaOf: (name: string) => Json | undefined;
  if (m.direction === 'request') {
    const headers: Record<string, string> = {};
    let body: Json | undefined;
    if (route.form) {
      headers['content-type'] = 'multipart/form-data; boundary=obs-sse-rules';
      // Form field names are declared lower-case, as obs-sse-rules reads them.
      body = { key: 'obj', ...Object.fromEntries(m.sse.map(([n, v]) => [n.toLowerCase(), v])) };
    } else {
      for (const [n, v] of m.sse) headers[n] = v;
      if (route.withHeader && !m.sse.some(([n]) => /-copy-source$/i.test(n)))
        headers[route.withHeader] = 'bkt/src';
    }
    const req = { method: route.method, path: m.url ?? urlFor(route), headers, ...(body ? { body } : {}) };
    errors = validator!.validateRequest(req, { ...op, path: route.path } as never).errors;
    const form = (
      op.requestBody as { content?: Record<string, { schema: { properties: Record<string, Json> } }> }
    )?.content?.['multipart/form-data']?.schema.properties;
    schemaOf = (name) =>
      form?.[name] ?? op.parameters.find((p) => p.in === 'header' && p.name.toLowerCase() === name);
  } else {
    const headers = Object.fromEntries(m.sse.map(([n, v]) => [n.toLowerCase(), v]));
    const status = m.status ?? 200;
    errors = validator!.validateResponseHeaders(headers, m.operation, { statusCode: status }).errors;
    const response = (op.responses as Record<string, { headers?: Record<string, Json> }>)[String(status)];
    const byLower = new Map(Object.entries(response?.headers ?? {}).map(([n, h]) => [n.toLowerCase(), h]));
    schemaOf = (name) => byLower.get(name);
  }
  return [...new Set((errors ?? []).map((e) => codeAt(e.instancePath, schemaOf)))].sort();
}

async function handle(msg: WorkerRequest): Promise<unknown> {
  switch (msg.type) {
    case 'load': {
      const api = (await SwaggerParser.validate(JSON.parse(fs.readFileSync(msg.file, 'utf8')))) as Document;
      // allErrors: every header at fault is reported, not only the first, so verdicts compare header by header.
      validator = new OpenAPIValidator({ definition: api, ajvOpts: { allErrors: true } });
      return { operationIds: validator.router.getOperations().map((o) => o.operationId) };
    }
    case 'validate':
      try {
        await SwaggerParser.validate(msg.document as never);
        return { ok: true };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    case 'verdict':
      return verdict(msg.message);
  }
}

process.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    (result) => process.send!({ id: msg.id, result }),
    (err: unknown) => process.send!({ id: msg.id, error: err instanceof Error ? err.stack : String(err) }),
  );
});
