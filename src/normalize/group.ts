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

interface FamilyAccumulator {
  id: string;
  name: string;
  /** Lower-cased alias → first spelling; de-duplicated as we go, since every record repeats its family's aliases. */
  aliases: Map<string, string>;
  iocs: Map<string, IocAccumulator>;
}

function iocKey(ioc: Ioc): string {
  return `${ioc.type}\u0000${ioc.value}\u0000${ioc.port ?? ''}`;
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

/** Order IOCs by type (in {@link IOC_TYPES} order), then value (code points), then port (absent first). */
export function compareIocs(a: Ioc, b: Ioc): number {
  return (
    (TYPE_RANK.get(a.type) ?? IOC_TYPES.length) - (TYPE_RANK.get(b.type) ?? IOC_TYPES.length) ||
    compareCodePoints(a.value, b.value) ||
    (a.port ?? -1) - (b.port ?? -1)
  );
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

interface FamilyState {
  id: string;
  name: string;
  /** Lower-cased alias → first spelling; de-duplicated as we go, since every record repeats its family's aliases. */
  aliases: Map<string, string>;
  /** The first record of each IOC; an accumulator only once a duplicate arrives. */
  iocs: Map<string, Ioc | IocAccumulator>;
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
 * families one by one. Repeated small lists are shared and merge state is allocated only for duplicates, so a record
 * costs little more than its IOC's own strings.
 */
export class FamilyGrouper {
  private readonly byId = new Map<string, FamilyState>();
  private readonly interner = new ListInterner();
  private readonly strings = new Map<string, string>();

  /** A shared copy of a low-cardinality string (threat types). */
  private intern(s: string | null): string | null {
    if (s === null) return s;
    const found = this.strings.get(s);
    if (found !== undefined) return found;
    if (this.strings.size < 100_000) this.strings.set(s, s);
    return s;
  }

  add({ family, ioc }: FamilyRecord): void {
    let acc = this.byId.get(family.id);
    if (acc === undefined) {
      acc = { id: family.id, name: family.name, aliases: new Map(), iocs: new Map() };
      this.byId.set(family.id, acc);
    }
    for (const alias of family.aliases) {
      const aliasKey = alias.toLowerCase();
      if (!acc.aliases.has(aliasKey)) acc.aliases.set(aliasKey, alias);
    }
    const key = iocKey(ioc);
    const existing = acc.iocs.get(key);
    if (existing === undefined) {
      acc.iocs.set(key, {
        ...ioc,
        threatType: this.intern(ioc.threatType),
        tags: this.interner.get(ioc.tags),
        references: this.interner.get(ioc.references),
        reporters: this.interner.get(ioc.reporters),
        flags: ioc.flags.length ? ioc.flags : (EMPTY_FLAGS as IocFlag[]),
      });
    } else if ('first' in existing) mergeIoc(existing, ioc);
    else {
      const merged = startIoc(existing);
      mergeIoc(merged, ioc);
      acc.iocs.set(key, merged);
    }
  }

  /** Families sorted by id (code points). */
  families(): GroupedFamily[] {
    return [...this.byId.values()]
      .sort((a, b) => compareCodePoints(a.id, b.id))
      .map((acc) => {
        let taken = false;
        return {
          family: { id: acc.id, name: acc.name, aliases: uniqueSortedCaseInsensitive(acc.aliases.values()) },
          count: acc.iocs.size,
          take: (): Ioc[] => {
            if (taken) throw new Error(`family ${acc.id}: IOCs already taken`);
            taken = true;
            const iocs = [...acc.iocs.values()].map((x) => finishIoc('first' in x ? x : startIoc(x))).sort(compareIocs);
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
