/**
 * Reading exported logs as a stream of rows, whatever the format, with constant memory: files are read in chunks,
 * gzip (magic 1f 8b) is decompressed on the fly, the format is recognised from the content:
 *
 * - JSON lines (`{` first): a Log Analytics data-export record per line (table from its `Type` column, else the file or
 *   folder name); a Defender XDR streaming-API record `{"time", "category": "AdvancedHunting-<Table>", "properties"}`
 *   (the row is `properties`); or an Event Hubs batch `{"records": [...]}` of either;
 * - CSV with a header row (anything else): the table from `--table`, the file or folder name, or the header's columns;
 *   cells converted by the catalogue's column types (coerce.ts).
 *
 * A bad line (cut JSON, wrong column count, unparseable) is reported to the sink and skipped, never fatal.
 */
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse';
import { coerceCell } from './coerce.js';
import { canonicalTable, tableFromCategory, tableFromHeader, tableFromName, type ColumnType, type TableCatalog } from './tables.js';

export type LogRow = Record<string, unknown>;

/** Receives the rows and problems of one file. Line 0 in `bad` means the whole file. */
export interface LogSink {
  /** A row and its table (undefined when nothing tells it); `line` is 1-based in the decompressed text. */
  row(row: LogRow, table: string | undefined, line: number): void;
  bad(line: number, reason: string): void;
  /** True to stop reading the file (e.g. nothing but bad lines). */
  readonly stop: boolean;
}

export interface LogFile {
  readonly path: string;
  /** The path as shown in reports: the argument joined with the path below it. */
  readonly display: string;
  readonly size: number;
  /** The table named by the file name or the nearest folder name, if any. */
  readonly nameTable: string | undefined;
}

export type LogFormat = 'jsonl' | 'csv' | 'empty' | 'binary';

export interface ReadOptions {
  readonly catalog: TableCatalog;
  /** `--table`: the table of CSV files (and of JSON lines without `Type` whose name tells nothing). */
  readonly table?: string;
  /** Raw (compressed) bytes read, for progress. */
  readonly onBytes?: (n: number) => void;
}

/** Longest line kept in memory; a longer one is reported and skipped. */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;
const CHUNK = 1 << 20;

/**
 * Every file under the given log paths, in a stable order (folders walked recursively; dot files, and sub-folders that
 * are packs or earlier hunt results, skipped).
 */
export function listLogFiles(cat: TableCatalog, paths: readonly string[]): LogFile[] {
  const out: LogFile[] = [];
  for (const arg of paths) {
    const st = statSync(arg);
    if (st.isFile()) {
      out.push({ path: arg, display: arg, size: st.size, nameTable: tableFromName(cat, basename(arg)) ?? tableFromName(cat, basename(dirname(resolve(arg)))) });
      continue;
    }
    const walk = (dir: string): void => {
      const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          // Packs and earlier results inside a log folder are not logs.
          if (['run.json', 'pack.json', 'hits.json'].some((m) => existsSync(join(full, m)))) continue;
          walk(full);
        }
        else if (e.isFile() || (e.isSymbolicLink() && statSync(full).isFile())) {
          // The table: the file name, else the nearest folder name up to and including the argument itself.
          let nameTable = tableFromName(cat, e.name);
          for (let d = dir; nameTable === undefined; d = dirname(d)) {
            nameTable = tableFromName(cat, basename(resolve(d)));
            if (resolve(d) === resolve(arg) || dirname(d) === d) break;
          }
          out.push({ path: full, display: join(arg, relative(arg, full)), size: statSync(full).size, nameTable });
        }
      }
    };
    walk(arg);
  }
  return out;
}

async function* rawChunks(path: string, onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const c of createReadStream(path, { highWaterMark: CHUNK })) {
    onBytes?.((c as Buffer).length);
    yield c as Buffer;
  }
}

/** The file's bytes, gunzipped when it starts with the gzip magic; the first chunk is returned separately for sniffing. */
async function openDecoded(path: string, onBytes?: (n: number) => void): Promise<{ head: Buffer | undefined; chunks: AsyncIterable<Buffer> }> {
  const it = rawChunks(path, onBytes)[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return { head: undefined, chunks: (async function* () {})() };
  const head0 = first.value;
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield head0;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  };
  if (head0.length >= 2 && head0[0] === 0x1f && head0[1] === 0x8b) {
    const gunzip = pipeline(Readable.from(rest()), createGunzip({ chunkSize: CHUNK }), () => {});
    const git = (gunzip as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const g1 = await git.next();
    if (g1.done) return { head: undefined, chunks: (async function* () {})() };
    const head = g1.value;
    return {
      head,
      chunks: (async function* () {
        yield head;
        for (;;) {
          const n = await git.next();
          if (n.done) return;
          yield n.value;
        }
      })(),
    };
  }
  return { head: head0, chunks: rest() };
}

/** The format of decoded content from its first bytes. */
export function sniffFormat(head: Buffer | undefined): LogFormat {
  if (!head) return 'empty';
  let i = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i === head.length) return 'empty';
  if (head.subarray(0, 4096).includes(0)) return 'binary';
  return head[i] === 0x7b /* { */ ? 'jsonl' : 'csv';
}

function errorText(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).replace(/\s+/g, ' ').trim();
}

/** Read one log file into the sink; returns the format found. Never throws for bad content (only for I/O errors). */
export async function readLogFile(file: LogFile, options: ReadOptions, sink: LogSink): Promise<LogFormat> {
  let opened;
  try {
    opened = await openDecoded(file.path, options.onBytes);
  } catch (err) {
    // Line 0: the whole file (unreadable, vanished, or a gzip stream that does not even start).
    const code = String((err as NodeJS.ErrnoException).code ?? '');
    sink.bad(0, code.startsWith('Z_') ? `gzip: ${errorText(err)}` : `cannot read: ${errorText(err)}`);
    return 'binary';
  }
  const format = sniffFormat(opened.head);
  if (format === 'binary') sink.bad(0, 'not a log file: binary content');
  if (format === 'jsonl') await readJsonLines(file, options, opened.chunks, sink);
  if (format === 'csv') await readCsv(file, options, opened.chunks, sink);
  return format;
}

async function readJsonLines(file: LogFile, options: ReadOptions, chunks: AsyncIterable<Buffer>, sink: LogSink): Promise<void> {
  const cat = options.catalog;
  const fallbackTable = file.nameTable ?? (options.table !== undefined ? canonicalTable(cat, options.table) : undefined);
  let lastType: string | undefined;
  let lastTypeTable: string | undefined;

  const emit = (obj: Record<string, unknown>, line: number): void => {
    const category = obj['category'];
    const props = obj['properties'];
    if (typeof category === 'string' && props !== null && typeof props === 'object' && !Array.isArray(props)) {
      const row = props as LogRow;
      if (row['Timestamp'] === undefined && row['TimeGenerated'] === undefined && obj['time'] !== undefined) row['Timestamp'] = obj['time'];
      sink.row(row, tableFromCategory(cat, category), line);
      return;
    }
    const records = obj['records'];
    if (Array.isArray(records)) {
      for (const r of records) {
        if (r !== null && typeof r === 'object' && !Array.isArray(r)) emit(r as Record<string, unknown>, line);
        else sink.bad(line, 'a record in "records" is not a JSON object');
      }
      return;
    }
    const type = obj['Type'];
    let table = fallbackTable;
    if (typeof type === 'string' && type !== '') {
      if (type !== lastType) {
        lastType = type;
        lastTypeTable = canonicalTable(cat, type);
      }
      table = lastTypeTable;
    }
    sink.row(obj, table, line);
  };

  const handle = (text: string, line: number): void => {
    if (text.length === 0 || text === '\r') return;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      if (text.trim() === '') return;
      sink.bad(line, `invalid JSON: ${errorText(err)}`);
      return;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      sink.bad(line, 'not a JSON object');
      return;
    }
    emit(obj as Record<string, unknown>, line);
  };

  const decoder = new StringDecoder('utf8');
  let carry = '';
  let line = 0;
  let skipping = false;
  try {
    for await (const buf of chunks) {
      const text = carry === '' ? decoder.write(buf) : carry + decoder.write(buf);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        line++;
        if (skipping) skipping = false;
        else handle(text.slice(start, nl), line);
        start = nl + 1;
        if (sink.stop) return;
      }
      carry = start === 0 ? text : text.slice(start);
      if (carry.length > MAX_LINE_CHARS && !skipping) {
        sink.bad(line + 1, `line longer than ${MAX_LINE_CHARS} characters; skipped`);
        skipping = true;
      }
      if (skipping) carry = '';
    }
  } catch (err) {
    // A truncated or corrupt gzip stream: report where the text stopped, keep what was read.
    sink.bad(line + 1, `stopped reading: ${errorText(err)}`);
    return;
  }
  carry += decoder.end();
  if (carry !== '' && !skipping) handle(carry, line + 1);
}

interface CsvItem {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

async function readCsv(file: LogFile, options: ReadOptions, chunks: AsyncIterable<Buffer>, sink: LogSink): Promise<void> {
  const cat = options.catalog;
  const parser = parseCsv({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
  });
  parser.on('skip', (err: Error & { lines?: number }) => sink.bad(err.lines ?? 0, `CSV: ${errorText(err)}`));
  const source = Readable.from(chunks);
  const stream = pipeline(source, parser, () => {});
  let header: string[] | undefined;
  let types: (ColumnType | undefined)[] = [];
  let table: string | undefined;
  let typeIndex = -1;
  let lastLine = 0;
  try {
    for await (const item of stream as AsyncIterable<CsvItem>) {
      const { record, info } = item;
      lastLine = info.lines;
      if (!header) {
        // Portal exports label columns `TimeGenerated [UTC]`.
        header = record.map((h) => h.trim().replace(/\s*\[[^\]]*\]$/, ''));
        table =
          (options.table !== undefined ? canonicalTable(cat, options.table) : undefined) ?? file.nameTable ?? tableFromHeader(cat, header);
        if (table === undefined) {
          sink.bad(info.lines, 'CSV: cannot tell the table from the file name or the header; name it with --table');
          source.destroy();
          return;
        }
        const colTypes = cat.types.get(table);
        types = header.map((h) => colTypes?.get(h));
        typeIndex = options.table === undefined ? header.indexOf('Type') : -1;
        continue;
      }
      if (record.length !== header.length) {
        sink.bad(info.lines, `CSV: expected ${header.length} columns, found ${record.length}`);
      } else {
        const row: LogRow = {};
        for (let i = 0; i < header.length; i++) row[header[i]!] = coerceCell(record[i]!, types[i]);
        let rowTable = table;
        if (typeIndex >= 0) {
          const t = record[typeIndex]!;
          if (t !== '' && cat.byLower.has(t.toLowerCase())) rowTable = canonicalTable(cat, t);
        }
        sink.row(row, rowTable, info.lines);
      }
      if (sink.stop) {
        source.destroy();
        return;
      }
    }
  } catch (err) {
    sink.bad(lastLine + 1, `stopped reading: ${errorText(err)}`);
  }
}
