/**
 * The formatters as pure functions `(result, options) => string`: a collected LintResult (the library's
 * `lint`, `obs-sse check`, tests) replayed through the streaming writer of its format, so each format
 * is written by one piece of code.
 */
import { Aggregator } from '../lint/aggregate';
import type { LintResult, ReportedExchange } from '../lint/types';
import { groupByExchange } from './common';
import type { FormatOptions, WriterFactory } from './types';

/** The exchanges of a result in input order, each with its findings. */
function exchangesOf(result: LintResult): ReportedExchange[] {
  const groups = groupByExchange(result.findings);
  if (!result.exchanges) {
    return groups.map((g) => {
      const { file, entry, line, method, url, operation } = g.findings[0] as ReportedExchange['findings'][0];
      const x: ReportedExchange = { file, entry, method, url, findings: g.findings };
      if (line !== undefined) x.line = line;
      if (operation !== undefined) x.operation = operation;
      return x;
    });
  }
  const byKey = new Map(groups.map((g) => [`${g.file}\n${g.entry}`, g.findings]));
  return result.exchanges.map((r) => ({ ...r, findings: byKey.get(`${r.file}\n${r.entry}`) ?? [] }));
}

/** A pure formatter from a streaming one. */
export function toText(factory: WriterFactory) {
  return (result: LintResult, options: FormatOptions = {}): string => {
    const parts: string[] = [];
    const writer = factory({ write: (s) => parts.push(s) }, options);
    const exchanges = exchangesOf(result);
    const aggregator = result.aggregate ? undefined : new Aggregator();
    for (const f of result.files) {
      for (const x of exchanges) {
        if (x.file !== f.file) continue;
        writer.exchange(x);
        aggregator?.add(x, x.findings, { client: '', bucket: '', sse: 'none' });
      }
      for (const e of result.inputErrors) if (e.file === f.file) writer.inputError(e);
      writer.fileDone(f);
    }
    writer.end({ ...result, aggregate: result.aggregate ?? aggregator?.result() });
    return parts.join('');
  };
}
