/** What every formatter shares: its options, where it writes, and the streaming shape. */
import type { LintOutcome, LintSink } from '../lint/types';

/** Options every formatter accepts; each reads what applies to it. */
export interface FormatOptions {
  /** ANSI colours (stylish only). The CLI sets it when stdout is a TTY and NO_COLOR is unset. */
  color?: boolean;
  /** Tool version written into SARIF, JSON and HTML. */
  version?: string;
}

/** Where a formatter writes its text, piece by piece. */
export interface TextOut {
  write(text: string): void;
}

/**
 * A streaming formatter: it receives the run as the pipeline produces it (exchanges with findings,
 * input errors, file ends; see LintSink) and writes as it goes, then writes its closing part from the
 * run's outcome. It keeps what its format needs before the end (bounded: per-file counts, the codes
 * seen), never the findings.
 */
export interface ReportWriter extends LintSink {
  end(outcome: LintOutcome): void;
}

/** Makes a {@link ReportWriter} writing to `out`. */
export type WriterFactory = (out: TextOut, options: FormatOptions) => ReportWriter;
