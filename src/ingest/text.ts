/**
 * Bytes → text, and text → physical lines. Kept separate so that a streaming reader can later feed the line-based
 * parsers (CSV, NDJSON) chunk by chunk instead of from one string.
 */
import { FeedError } from '../model/issue.js';

/** One physical line of a text file, without its line terminator. */
export interface Line {
  /** 1-based physical line number in the file. */
  readonly number: number;
  readonly text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Decode file bytes: strip a UTF-8 BOM; honour a UTF-16 BOM (PowerShell 5 `>` writes UTF-16LE). Invalid UTF-8 becomes
 * U+FFFD instead of failing the file: a single bad byte must not sink a 1.2M-record dump; the affected value fails
 * validation on its own.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  try {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return utf8.decode(bytes.subarray(3));
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
    return utf8.decode(bytes);
  } catch (error) {
    // V8 caps strings at ~512 MiB; such a file needs the streaming reader.
    throw new FeedError(file, `cannot decode the file as text (${bytes.length} bytes): ${String((error as Error).message)}`);
  }
}

/** Iterate the physical lines of `text` (LF or CRLF), numbered from `firstLine`. */
export function* splitLines(text: string, firstLine = 1): Generator<Line> {
  let start = 0;
  let number = firstLine;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    // A final empty "line" after the last newline is not a line.
    if (!(end === text.length && start === end)) yield { number, text: text.slice(start, stop) };
    number++;
    start = end + 1;
  }
}
