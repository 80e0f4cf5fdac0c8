/** Where a record or a problem sits in an input file. */
export interface SourceLocation {
  /** File path as the user gave it. */
  readonly file: string;
  /** 1-based line, for text formats (CSV, NDJSON). */
  readonly line?: number;
  /** Feed record id, when the record has one. */
  readonly recordId?: string;
  /** JSON pointer of the record, e.g. `/data/3`. */
  readonly pointer?: string;
}

/** Render a location as one short human string: `line 12`, `record 841508 (/data/3)`. */
export function formatLocation(loc: SourceLocation): string {
  const parts: string[] = [];
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.recordId !== undefined) parts.push(`record ${loc.recordId}`);
  if (loc.pointer !== undefined) parts.push(loc.line === undefined && loc.recordId !== undefined ? `(${loc.pointer})` : loc.pointer);
  return parts.join(' ') || 'file';
}

/** A feed record that was not turned into an IOC, and why. */
export interface Rejected {
  readonly location: SourceLocation;
  /** The raw value (or a short excerpt), for the report. */
  readonly value: string;
  readonly reason: string;
}

/** A non-fatal note about the input (e.g. an unknown extra CSV column, a trailer count mismatch). */
export interface Warning {
  readonly location: SourceLocation;
  readonly message: string;
}

/**
 * A fatal input problem: the file is not a feed, an API error status, truncated JSON, an HTML page.
 * The CLI prints `message` as one line and exits non-zero without writing anything.
 */
export class FeedError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'FeedError';
  }
}
