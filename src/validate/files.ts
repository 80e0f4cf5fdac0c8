/**
 * `huntpack validate`: parse and bind .kql files with the official Kusto parser against the vendored schemas.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { loadKnowledge } from '../knowledge/load.js';
import { platformSchema } from '../knowledge/catalog.js';
import type { Platform } from '../hunt/ir.js';
import { createAnalyzer, type KqlAnalyzer } from './kusto.js';
import { queryShape } from './shape.js';

/** One query of a file: its text and the 1-based line it starts on. */
export interface QueryBlock {
  readonly text: string;
  readonly line: number;
}

/**
 * Split a file into queries at blank lines, as Kusto tools do, except inside a ``` multi-line string.
 * Blocks holding only comments are dropped.
 */
export function splitQueries(text: string): QueryBlock[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: QueryBlock[] = [];
  let current: string[] = [];
  let start = 1;
  let inMultiline = false;
  const flush = (): void => {
    const body = current.join('\n');
    if (current.some((l) => l.trim() !== '' && !l.trim().startsWith('//'))) blocks.push({ text: body, line: start });
    current = [];
  };
  lines.forEach((line, i) => {
    if (!inMultiline && line.trim() === '') {
      flush();
      start = i + 2;
      return;
    }
    if (current.length === 0) start = i + 1;
    current.push(line);
    if (((line.match(/```/g) ?? []).length) % 2 === 1) inMultiline = !inMultiline;
  });
  flush();
  return blocks;
}

/** Every .kql file under the given files and folders, sorted. */
export function findKqlFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else if (p.endsWith('.kql')) out.push(p);
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or folder`);
    const st = statSync(p);
    if (st.isFile() && !p.endsWith('.kql')) {
      // A query file under another name is checked when named; a pack's README, YAML or JSON is not KQL.
      if (!/\.(csl|kusto|txt)$/i.test(p)) throw new Error(`${p}: not a KQL file (.kql, .csl, .kusto or .txt); the queries of YAML rules and ARM templates are the .kql files beside them`);
      out.push(p);
    } else walk(p);
  }
  return out;
}

/** The platform a file's queries target: its `defender` folder, else Sentinel. */
export function platformOfPath(path: string): Platform {
  return path.split(sep).includes('defender') || path.split('/').includes('defender') ? 'defender' : 'sentinel';
}

export interface ValidationReport {
  readonly files: number;
  readonly queries: number;
  /** `file:line:col: code message`, errors only. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** Whether a query has an ordinary (not verbatim `@"…"`) string literal with an escape other than \\ \" \' \n \r \t. */
function hasEscapes(kql: string): boolean {
  for (const m of kql.matchAll(/(@?)"((?:[^"\\\n]|\\.)*)"/g)) if (m[1] === '' && /\\[^\\"'nrt]/.test(m[2]!)) return true;
  return false;
}

/**
 * Validate .kql files; `platform` forces the schema, else it comes from each file's path. Queries of one shape (string
 * literals aside: see shape.ts) analyse alike, so a shape found free of errors and warnings is not analysed again: the
 * parts and families of a big build validate in a fraction of the time.
 */
export function validateFiles(paths: readonly string[], platform?: Platform): ValidationReport {
  const clean = new Set<string>();
  const k = loadKnowledge();
  const analyzers = new Map<Platform, KqlAnalyzer>();
  const files = findKqlFiles(paths);
  const errors: string[] = [];
  const warnings: string[] = [];
  let queries = 0;
  for (const file of files) {
    const p = platform ?? platformOfPath(file);
    let analyzer = analyzers.get(p);
    if (!analyzer) analyzers.set(p, (analyzer = createAnalyzer(platformSchema(k, p))));
    for (const block of splitQueries(readFileSync(file, 'utf8'))) {
      queries++;
      // The shape empties string literals: a query whose ordinary literals hold escapes (which can be wrong) is always analysed.
      const shape = hasEscapes(block.text) ? undefined : `${p}\n${queryShape(block.text)}`;
      if (shape === undefined || !clean.has(shape)) {
        let reported = false;
        for (const d of analyzer.analyze(block.text)) {
          const line = `${file}:${block.line + d.line - 1}:${d.column}: ${d.code} ${d.message}`;
          if (d.severity === 'error') errors.push(line);
          else if (d.severity === 'warning') warnings.push(line);
          else continue;
          reported = true;
        }
        if (!reported && shape !== undefined) clean.add(shape);
      }
      if (block.text.length > 10_000) warnings.push(`${file}:${block.line}:1: limit/query-length query is ${block.text.length} characters; a Sentinel analytics rule allows 10,000`);
    }
  }
  return { files: files.length, queries, errors, warnings };
}
