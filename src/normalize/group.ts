/**
 * Group normalised records by malware family and merge duplicate IOCs. Pure and deterministic: the output order
 * depends only on the data (families by id, IOCs by type, value, port), and merge rules are order-independent except
 * where stated (first printable name, first non-null threat type, first tag spelling).
 */
import { IOC_TYPES, type FamilyRef, type Ioc, type IocFlag } from '../model/ioc.js';
import { compareCodePoints, uniqueSorted, uniqueSortedCaseInsensitive } from './text.js';

/** One family and its de-duplicated IOCs. */
export interface FamilyIocs {
  readonly family: FamilyRef;
  readonly iocs: readonly Ioc[];
}

/** Anything carrying a family and an IOC (a `ParsedRecord` from ingest, or a `FeedIoc`). */
export interface FamilyRecord {
  readonly family: FamilyRef;
  readonly ioc: Ioc;
}

const TYPE_RANK: ReadonlyMap<string, number> = new Map(IOC_TYPES.map((type, index) => [type, index]));

interface IocAccumulator {
  first: Ioc;
  firstSeen: string;
  lastSeen: string | null;
  confidence: number | null;
  threatType: string | null;
  isCompromised: boolean;
  tags: string[];
  sourceIds: string[];
  references: string[];
  reporters: string[];
  flags: IocFlag[];
}

function startIoc(ioc: Ioc): IocAccumulator {
  return {
    first: ioc,
    firstSeen: ioc.firstSeen,
    lastSeen: ioc.lastSeen,
    confidence: ioc.confidence,
    threatType: ioc.threatType,
    isCompromised: ioc.isCompromised,
    tags: [...ioc.tags],
    sourceIds: [...ioc.sourceIds],
    references: [...ioc.references],
    reporters: [...ioc.reporters],
    flags: [...ioc.flags],
  };
}

function mergeIoc(acc: IocAccumulator, ioc: Ioc): void {
  // ISO-8601 UTC strings of one fixed shape order chronologically as plain strings.
  if (ioc.firstSeen < acc.firstSeen) acc.firstSeen = ioc.firstSeen;
  if (ioc.lastSeen !== null && (acc.lastSeen === null || ioc.lastSeen > acc.lastSeen)) acc.lastSeen = ioc.lastSeen;
  if (ioc.confidence !== null && (acc.confidence === null || ioc.confidence > acc.confidence)) acc.confidence = ioc.confidence;
  acc.threatType ??= ioc.threatType;
  acc.isCompromised ||= ioc.isCompromised;
  acc.tags.push(...ioc.tags);
  acc.sourceIds.push(...ioc.sourceIds);
  acc.references.push(...ioc.references);
  acc.reporters.push(...ioc.reporters);
  acc.flags.push(...ioc.flags);
}

function uniqueFlags(flags: readonly IocFlag[]): IocFlag[] {
  const seen = new Map<string, IocFlag>();
  for (const flag of flags) {
    const key = `${flag.code}\u0000${flag.source}`;
    if (!seen.has(key)) seen.set(key, flag);
  }
  return [...seen.values()].sort((a, b) => compareCodePoints(a.code, b.code) || compareCodePoints(a.source, b.source));
}

function finishIoc(acc: IocAccumulator): Ioc {
  const base = {
    type: acc.first.type,
    value: acc.first.value,
    threatType: acc.threatType,
    firstSeen: acc.firstSeen,
    lastSeen: acc.lastSeen,
    confidence: acc.confidence,
    tags: uniqueSortedCaseInsensitive(acc.tags),
    sourceIds: uniqueSorted(acc.sourceIds),
    references: uniqueSorted(acc.references),
    reporters: uniqueSorted(acc.reporters),
    isCompromised: acc.isCompromised,
    flags: uniqueFlags(acc.flags),
  };
  return acc.first.port === undefined ? base : { ...base, port: acc.first.port };
}

/** A type's place in {@link IOC_TYPES} (unknown types last). */
function typeRank(type: string): number {
  return TYPE_RANK.get(type) ?? IOC_TYPES.length;
}

/** Order IOCs of one type: value (code points), then port (absent first). */
function compareValuePort(a: Ioc, b: Ioc): number {
  return compareCodePoints(a.value, b.value) || (a.port ?? -1) - (b.port ?? -1);
}

/** Order IOCs by type (in {@link IOC_TYPES} order), then value (code points), then port (absent first). */
export function compareIocs(a: Ioc, b: Ioc): number {
  return typeRank(a.type) - typeRank(b.type) || compareValuePort(a, b);
}

/** Whether a list is already what `uniqueSorted` would make of it (true for most: none or one element). */
function isUniqueSorted(list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if (compareCodePoints(list[i - 1]!, list[i]!) >= 0) return false;
  return true;
}

/** Whether a tag list is already what `uniqueSortedCaseInsensitive` would make of it: empty, or one trimmed tag. */
function isFinalTagList(tags: readonly string[]): boolean {
  return tags.length === 0 || (tags.length === 1 && tags[0] !== '' && tags[0] === tags[0]!.trim());
}

/** Shared copies of small string lists that repeat across records (tags, reporters, references). */
class ListInterner {
  private readonly lists = new Map<string, readonly string[]>();
  private static readonly EMPTY: readonly string[] = Object.freeze([]);
  get(list: readonly string[]): readonly string[] {
    if (list.length === 0) return ListInterner.EMPTY;
    if (list.length > 8) return list;
    const key = list.join('\u0001');
    const found = this.lists.get(key);
    if (found) return found;
    if (this.lists.size < 100_000) this.lists.set(key, list);
    return list;
  }
}

/**
 * A string V8 may hold as a tree of concatenated parts (a "cons string", three or more objects for one date or URL),
 * stored flat: `s | 0` makes V8 flatten it in place, and the garbage collector then drops the tree. Grouping 1.2 M
 * records keeps every value, date and id: this halves their memory.
 */
function flat(s: string): string {
  // eslint-disable-next-line @typescript-eslint/no-unused-expressions
  (s as unknown as number) | 0;
  return s;
}

/** The first record of an IOC as the grouper keeps it: one fixed-shape object, a single source id unboxed. */
class StoredIoc {
  readonly type: Ioc['type'];
  readonly value: string;
  readonly port: number;
  readonly threatType: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string | null;
  readonly confidence: number | null;
  readonly tags: readonly string[];
  readonly sourceIds: string | readonly string[];
  readonly references: readonly string[];
  readonly reporters: readonly string[];
  readonly isCompromised: boolean;
  readonly flags: readonly IocFlag[];
  constructor(ioc: Ioc, interner: ListInterner, intern: (s: string | null) => string | null) {
    this.type = ioc.type;
    this.value = flat(ioc.value);
    this.port = ioc.port ?? -1;
    this.threatType = intern(ioc.threatType);
    this.firstSeen = flat(ioc.firstSeen);
    this.lastSeen = ioc.lastSeen === null ? null : flat(ioc.lastSeen);
    this.confidence = ioc.confidence;
    this.tags = interner.get(ioc.tags);
    this.sourceIds = ioc.sourceIds.length === 1 ? flat(ioc.sourceIds[0]!) : ioc.sourceIds;
    this.references = interner.get(ioc.references);
    this.reporters = interner.get(ioc.reporters);
    this.isCompromised = ioc.isCompromised;
    this.flags = ioc.flags.length ? ioc.flags : EMPTY_FLAGS;
  }

  /** The IOC as {@link finishIoc} would give it from this single record, without copying lists already in final form. */
  finish(): Ioc {
    const sourceIds = typeof this.sourceIds === 'string' ? [this.sourceIds] : this.sourceIds;
    return this.with(
      isFinalTagList(this.tags) ? this.tags : uniqueSortedCaseInsensitive(this.tags),
      isUniqueSorted(sourceIds) ? sourceIds : uniqueSorted(sourceIds),
      isUniqueSorted(this.references) ? this.references : uniqueSorted(this.references),
      isUniqueSorted(this.reporters) ? this.reporters : uniqueSorted(this.reporters),
      this.flags.length <= 1 ? this.flags : uniqueFlags(this.flags),
    );
  }

  /** The record as it came. */
  toIoc(): Ioc {
    return this.with(this.tags, typeof this.sourceIds === 'string' ? [this.sourceIds] : this.sourceIds, this.references, this.reporters, this.flags);
  }

  private with(tags: readonly string[], sourceIds: readonly string[], references: readonly string[], reporters: readonly string[], flags: readonly IocFlag[]): Ioc {
    const base = {
      type: this.type,
      value: this.value,
      threatType: this.threatType,
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
      confidence: this.confidence,
      tags,
      sourceIds,
      references,
      reporters,
      isCompromised: this.isCompromised,
      flags,
    };
    return this.port < 0 ? base : { ...base, port: this.port };
  }
}

interface FamilyState {
  id: string;
  name: string;
  /** Lower-cased alias → first spelling; de-duplicated as we go, since every record repeats its family's aliases. */
  aliases: Map<string, string>;
  /** Per IOC type, by value (and port): the first record of each IOC; an accumulator once a duplicate arrives. */
  iocs: Map<string, Map<string, StoredIoc | IocAccumulator>>;
  count: number;
}

/** One family of a {@link FamilyGrouper}: its reference, its IOC count, and its IOCs (finished once, then released). */
export interface GroupedFamily {
  readonly family: FamilyRef;
  readonly count: number;
  /** The merged, sorted IOCs. May be called once: the grouper lets go of them, so a 1.2 M-record build holds one family's output at a time. */
  take(): Ioc[];
}

/**
 * Streaming form of {@link groupByFamily}: `add` records as they are parsed (nothing else keeps them), then take the
 * families one by one. IOCs are kept compact (fixed-shape objects, flat strings, repeated lists shared) and merge
 * state is allocated only for duplicates.
 */
export class FamilyGrouper {
  private readonly byId = new Map<string, FamilyState>();
  private readonly interner = new ListInterner();
  private readonly strings = new Map<string, string>();
  private readonly internString = (s: string | null): string | null => {
    if (s === null) return s;
    const found = this.strings.get(s);
    if (found !== undefined) return found;
    if (this.strings.size < 100_000) this.strings.set(s, s);
    return s;
  };

  add({ family, ioc }: FamilyRecord): void {
    let acc = this.byId.get(family.id);
    if (acc === undefined) {
      acc = { id: family.id, name: family.name, aliases: new Map(), iocs: new Map(), count: 0 };
      this.byId.set(family.id, acc);
    }
    for (const alias of family.aliases) {
      const aliasKey = alias.toLowerCase();
      if (!acc.aliases.has(aliasKey)) acc.aliases.set(aliasKey, alias);
    }
    let byValue = acc.iocs.get(ioc.type);
    if (byValue === undefined) {
      byValue = new Map();
      acc.iocs.set(ioc.type, byValue);
    }
    const key = ioc.port === undefined ? flat(ioc.value) : flat(`${ioc.value}\u0000${ioc.port}`);
    const existing = byValue.get(key);
    if (existing === undefined) {
      byValue.set(key, new StoredIoc(ioc, this.interner, this.internString));
      acc.count++;
    } else if (existing instanceof StoredIoc) {
      const merged = startIoc(existing.toIoc());
      mergeIoc(merged, ioc);
      byValue.set(key, merged);
    } else mergeIoc(existing, ioc);
  }

  /** Families sorted by id (code points). */
  families(): GroupedFamily[] {
    return [...this.byId.values()]
      .sort((a, b) => compareCodePoints(a.id, b.id))
      .map((acc) => {
        let taken = false;
        return {
          family: { id: acc.id, name: acc.name, aliases: uniqueSortedCaseInsensitive(acc.aliases.values()) },
          count: acc.count,
          take: (): Ioc[] => {
            if (taken) throw new Error(`family ${acc.id}: IOCs already taken`);
            taken = true;
            // Type by type in IOC_TYPES order, each sorted by value then port: the order of compareIocs, without its
            // per-comparison type lookups.
            const iocs: Ioc[] = [];
            for (const type of [...acc.iocs.keys()].sort((a, b) => typeRank(a) - typeRank(b))) {
              const ofType: Ioc[] = [];
              for (const x of acc.iocs.get(type)!.values()) ofType.push(x instanceof StoredIoc ? x.finish() : finishIoc(x));
              ofType.sort(compareValuePort);
              for (const i of ofType) iocs.push(i);
            }
            acc.iocs.clear();
            this.byId.delete(acc.id);
            return iocs;
          },
        };
      });
  }
}

const EMPTY_FLAGS: readonly IocFlag[] = Object.freeze([]);

/**
 * Group records by family id and merge IOCs with the same (type, value, port): earliest firstSeen, latest lastSeen
 * (null only if all null), highest confidence (null only if all null), union of tags (case-insensitive, first spelling),
 * source ids, references and reporters, `isCompromised` if any record says so, and the first non-null threat type in
 * input order. A family keeps the first printable name seen and the union of all aliases.
 * Families are sorted by id (code points), IOCs by {@link compareIocs}.
 */
export function groupByFamily(records: Iterable<FamilyRecord>): FamilyIocs[] {
  const grouper = new FamilyGrouper();
  for (const r of records) grouper.add(r);
  return grouper.families().map((f) => ({ family: f.family, iocs: f.take() }));
}
