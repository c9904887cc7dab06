/** Options every formatter accepts; each reads what applies to it. */
export interface FormatOptions {
  /** ANSI colours (stylish only). The CLI sets it when stdout is a TTY and NO_COLOR is unset. */
  color?: boolean;
  /** Tool version written into SARIF and JSON. */
  version?: string;
}
