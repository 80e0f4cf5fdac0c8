/**
 * Records routed to one file per family while a big feed is read, so the main thread keeps no IOCs: each family is
 * later grouped and built by a worker from its own file (src/build-pool.ts). Records keep their input order within a
 * family, so grouping a family's file gives exactly what grouping the whole feed gives for that family.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FamilyRef, Ioc } from '../model/ioc.js';
import { chunkLines, fileChunks } from '../ingest/stream.js';
import { FamilyGrouper, type FamilyRecord } from './group.js';
import { compareCodePoints } from './text.js';
import { removeStale } from '../util/stale.js';

/** Buffered bytes per family before it is appended to its file, and in all before every buffer is. */
const FAMILY_BUFFER = 256 * 1024;
const TOTAL_BUFFER = 16 * 1024 * 1024;

interface SpillFamily {
  readonly id: string;
  /** The first printable name seen (what the grouper keeps), for progress lines. */
  readonly name: string;
  readonly file: string;
  records: number;
  buffer: string[];
  bytes: number;
}

/** One family's spilled records: where they are and how many. */
export interface SpilledFamily {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly records: number;
}

export class FamilySpill {
  readonly dir: string;
  private readonly byId = new Map<string, SpillFamily>();
  private buffered = 0;

  constructor(parent: string = tmpdir()) {
    // Named by process id, so a later run can remove what a killed one left (util/stale.ts).
    removeStale(parent, 'huntpack-spill-', '-.+');
    this.dir = mkdtempSync(join(parent, `huntpack-spill-${process.pid}-`));
  }

  add({ family, ioc }: FamilyRecord): void {
    let f = this.byId.get(family.id);
    if (f === undefined) {
      f = { id: family.id, name: family.name, file: join(this.dir, `${this.byId.size}.ndjson`), records: 0, buffer: [], bytes: 0 };
      this.byId.set(family.id, f);
    }
    const line = JSON.stringify([family, ioc]) + '\n';
    f.buffer.push(line);
    f.bytes += line.length;
    f.records++;
    this.buffered += line.length;
    if (f.bytes >= FAMILY_BUFFER) this.flush(f);
    if (this.buffered >= TOTAL_BUFFER) for (const x of this.byId.values()) this.flush(x);
  }

  private flush(f: SpillFamily): void {
    if (f.buffer.length === 0) return;
    appendFileSync(f.file, f.buffer.join(''));
    this.buffered -= f.bytes;
    f.buffer = [];
    f.bytes = 0;
  }

  /** Every family, sorted by id (code points), with its file complete. */
  families(): SpilledFamily[] {
    for (const f of this.byId.values()) this.flush(f);
    return [...this.byId.values()].sort((a, b) => compareCodePoints(a.id, b.id)).map(({ id, name, file, records }) => ({ id, name, file, records }));
  }

  /** Remove the files. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Group one family's spilled records: its reference (first name, every alias) and its merged, sorted IOCs. */
export function groupSpilled(file: string): { family: FamilyRef; iocs: Ioc[] } {
  const grouper = new FamilyGrouper();
  for (const line of chunkLines(fileChunks(file))) {
    if (line.text === '') continue;
    const [family, ioc] = JSON.parse(line.text) as [FamilyRef, Ioc];
    grouper.add({ family, ioc });
  }
  const [only, ...more] = grouper.families();
  if (only === undefined || more.length) throw new Error(`${file}: expected the records of one family`);
  return { family: only.family, iocs: only.take() };
}
