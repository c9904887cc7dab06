/**
 * OpenTelemetry as the recorder: undici's fetch() instrumented by @opentelemetry/instrumentation-undici
 * (with the SSE headers as span attributes) sends the hand-written set to the stand-in; the spans are
 * written as OTLP JSON by @opentelemetry/otlp-transformer, one export per line as the Collector's file
 * exporter writes them. The file lints, sniffed, to the findings of the stand-in's HAR.
 */
import { trace } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin } from '../../src/standin/server';
import { fileInput, lint, type Finding, type LintResult } from '../../src/lint';
import { trafficSet, TRAFFIC_SET_CODES, TRAFFIC_SET_HEADERS } from './support/traffic-set';

let dir: string;
let fromSpans: LintResult;
let fromHar: LintResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'obs-sse-otel-'));
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  const instrumentation = new UndiciInstrumentation({
    headersToSpanAttributes: { requestHeaders: TRAFFIC_SET_HEADERS, responseHeaders: TRAFFIC_SET_HEADERS },
  });
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  const harFile = join(dir, 'standin.har');
  const spansFile = join(dir, 'traces.jsonl');
  const standin = await startStandin({ har: harFile });
  try {
    const base = `http://127.0.0.1:${standin.port}/photos`;
    await (await fetch(base, { method: 'PUT' })).arrayBuffer();
    for (const [method, path, headers] of trafficSet()) {
      const init: RequestInit = { method, headers };
      if (method === 'PUT') init.body = `body of ${path}`;
      await (await fetch(`${base}${path}`, init)).arrayBuffer();
    }
    await provider.forceFlush();
    const line = Buffer.from(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans()) ?? []);
    writeFileSync(spansFile, Buffer.concat([line, Buffer.from('\n')]));
  } finally {
    instrumentation.disable();
    await standin.close();
    await provider.shutdown();
  }
  const options = { assumeScheme: 'https' as const };
  fromSpans = await lint([fileInput(spansFile, 'traces.jsonl')], options);
  fromHar = await lint([fileInput(harFile, 'standin.har')], options);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const what = (f: Finding): string =>
  `${f.method} ${f.url.replace(/^https?:\/\/[^/]+/, '')} ${f.operation} ${f.direction} ${f.code} ${f.header ?? ''}`;

it('reads the OTLP export, sniffed, one exchange per HTTP span', () => {
  expect(fromSpans.inputErrors).toEqual([]);
  expect(fromSpans.files[0]?.format).toBe('otlp');
  expect(fromSpans.summary.exchanges).toBe(fromHar.summary.exchanges);
});

it('gives the findings of the same traffic as the stand-in recorded it', () => {
  expect(fromSpans.findings.map(what).sort()).toEqual(fromHar.findings.map(what).sort());
  expect(new Set(fromSpans.findings.map((f) => f.code))).toEqual(new Set(TRAFFIC_SET_CODES));
});
