/**
 * Atomic output: a build writes into a temporary sibling folder and renames it into place, so an interrupted run
 * never leaves a half-written pack. An existing folder is replaced only if it is empty or an earlier huntpack output.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { removeStale } from '../util/stale.js';

export const MARKER_FILE = 'run.json';

export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/** Files to write, keyed by a relative POSIX path inside the output folder. */
export type FileMap = Map<string, string>;

/** Resolve `rel` inside `root`, refusing anything that would land outside it. */
export function safeJoin(root: string, rel: string): string {
  const base = resolve(root);
  const full = resolve(base, ...rel.split('/'));
  if (full !== base && !full.startsWith(base + sep)) throw new OutputError(`refusing to write outside the output folder: ${rel}`);
  return full;
}

/** What an earlier build wrote at the top of its folder, read from its run.json; undefined if no huntpack build is there. */
function previousOutputs(target: string): Set<string> | undefined {
  try {
    const run = JSON.parse(readFileSync(resolve(target, MARKER_FILE), 'utf8')) as { generator?: { name?: unknown }; families?: { dir?: unknown }[] };
    if (run.generator?.name !== 'huntpack') return undefined;
    const dirs = (run.families ?? []).map((f) => f.dir).filter((d): d is string => typeof d === 'string' && /^[a-z0-9-]+$/.test(d));
    return new Set([MARKER_FILE, 'index.md', 'index.html', ...dirs]);
  } catch {
    return undefined;
  }
}

/** Throw if `outDir` exists and may not be replaced (not a folder, or a non-empty folder that no huntpack build wrote). */
export function checkOutputTarget(outDir: string): void {
  if (outDir.trim() === '') throw new OutputError('the output folder name is empty');
  const target = resolve(outDir);
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new OutputError(`${outDir} exists and is not a folder`);
  const entries = readdirSync(target);
  if (entries.length > 0 && !previousOutputs(target)) {
    throw new OutputError(`${outDir} is not empty and holds no huntpack ${MARKER_FILE}; refusing to replace it (choose another --out)`);
  }
}

/**
 * Writes files under one folder, creating sub-folders as needed and refusing paths that leave it. Synchronous on
 * purpose: on the 2-core machines measured, `fs.writeFile` through the libuv thread pool was 7 to 12 times slower than
 * `writeFileSync` for many small files (see README, Performance). Family workers (src/build-worker.ts) each hold one.
 */
export class FolderWriter {
  private readonly dirs = new Set<string>();
  constructor(readonly root: string) {
    this.dirs.add(root);
  }

  /** Write one file at a relative POSIX path; chunks are encoded and written one by one, never joined. */
  write(rel: string, content: string | Iterable<string>): void {
    const path = safeJoin(this.root, rel);
    const dir = dirname(path);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    if (typeof content === 'string') {
      writeFileSync(path, content);
      return;
    }
    const fd = openSync(path, 'w');
    try {
      for (const chunk of content) {
        const bytes = Buffer.from(chunk, 'utf8');
        for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** An output folder being written: files go into a temporary sibling until {@link AtomicOutput.commit}. */
export interface AtomicOutput {
  /** The temporary folder (where other writers, such as family workers, may write too: then call {@link AtomicOutput.claim}). */
  readonly tmpDir: string;
  /** Write one file (a relative POSIX path inside the output folder). */
  write(rel: string, content: string | Iterable<string>): void;
  /** Record that another writer wrote `rel` into the temporary folder. */
  claim(rel: string): void;
  /** Put the temporary folder in place of `outDir`, keeping what an earlier build did not write (.git, notes). */
  commit(): void;
  /** Remove the temporary folder; `outDir` stays as it was. Safe to call after a failed commit. */
  abort(): void;
}

/** Why an output folder could not be created, by error code. */
const CREATE_ERRORS: Readonly<Record<string, string>> = {
  EEXIST: 'a part of the path is a file, not a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOENT: 'a folder cannot be created there',
};

/** Start writing `outDir` atomically (refuses a folder no huntpack build wrote). */
export function openAtomicOutput(outDir: string): AtomicOutput {
  const target = resolve(outDir);
  checkOutputTarget(outDir);
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    // Temporary folders of builds that were killed before they could remove them.
    removeStale(dirname(target), `${basename(target)}.tmp-`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new OutputError(`cannot create the output folder ${outDir}: ${(e.code && CREATE_ERRORS[e.code]) ?? e.code ?? e.message}`);
  }
  const written = new Set<string>();
  const writer = new FolderWriter(tmp);
  return {
    tmpDir: tmp,
    write(rel, content) {
      writer.write(rel, content);
      written.add(rel.split('/')[0]!);
    },
    claim(rel) {
      written.add(rel.split('/')[0]!);
    },
    commit() {
      const old = `${target}.old-${process.pid}`;
      try {
        if (existsSync(target)) {
          // Keep what the earlier build did not write (.git, notes, CI files): packs are meant to live in a repository.
          const ours = previousOutputs(target) ?? new Set<string>();
          for (const name of readdirSync(target)) if (!ours.has(name) && !written.has(name) && !existsSync(join(tmp, name))) renameSync(join(target, name), join(tmp, name));
          renameSync(target, old);
        }
        renameSync(tmp, target);
      } catch (err) {
        rmSync(tmp, { recursive: true, force: true });
        throw err;
      }
      // The earlier build, moved aside; the new one is already in place.
      rmSync(old, { recursive: true, force: true });
    },
    abort() {
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Join path segments of a relative output path. */
export function rel(...parts: string[]): string {
  return join(...parts).split(sep).join('/');
}
