/**
 * One family's part of a build: expiry, warninglists and allowlists (policy), pack assembly, validation hand-off and
 * rendering. The same function runs in the main thread (small builds, tests) and in family workers (src/build-worker.ts),
 * so both paths write the same bytes.
 */
import type { FamilyRef, Ioc, IocType } from './model/ioc.js';
import type { Knowledge } from './knowledge/load.js';
import type { Warninglists } from './knowledge/warninglists.js';
import type { Allowlist } from './knowledge/allowlist.js';
import type { Platform } from './hunt/ir.js';
import { assemblePack, type PackDocument } from './pack/pack.js';
import { applyPolicy, type TtlClass } from './pack/policy.js';
import { RENDERERS, type Artifact } from './render/registry.js';
import { RUN_DROPPED_ROWS } from './render/display.js';
import { summarizeFamily } from './render/markdown/summary.js';
import { StageTimer } from './util/timing.js';
import { collectGarbage } from './util/gc.js';
import { rmSync } from 'node:fs';
import { groupSpilled } from './normalize/spill.js';

/** Families with at least this many IOCs get a full garbage collection between stages (see util/gc.ts). */
export const BIG_FAMILY = 20_000;

/**
 * A family's IOCs from its spill file (see normalize/spill.ts): grouped, the file removed, and for a big family the
 * grouper's garbage collected before the pack is built.
 */
export function spilledSource(file: string, timer?: StageTimer): () => { family: FamilyRef; iocs: Ioc[] } {
  return () => {
    const grouped = timer ? timer.time('group spilled family', () => groupSpilled(file)) : groupSpilled(file);
    rmSync(file, { force: true });
    if (grouped.iocs.length >= BIG_FAMILY) collectGarbage();
    return grouped;
  };
}

/** The build options a family needs: plain data, so they can be posted to a worker. */
export interface FamilySettings {
  readonly platforms: readonly Platform[];
  readonly lookbackDays: number;
  readonly tables: 'default' | 'all' | readonly string[];
  readonly asim: boolean;
  readonly maxParts?: number;
  readonly listUrl?: string;
  readonly minConfidence?: number;
  readonly ttlDays: Readonly<Record<TtlClass, number>>;
  readonly asOf: string | null;
  readonly warninglists: boolean;
  readonly allowlists: readonly string[];
  readonly version: string;
  readonly now?: string;
}

export interface FamilyContext {
  readonly k: Knowledge;
  readonly lists: Warninglists | undefined;
  readonly allowlists: readonly Allowlist[];
  readonly settings: FamilySettings;
  readonly timer?: StageTimer;
  /** Collect garbage between the stages of a family of {@link BIG_FAMILY} IOCs or more (big builds; see util/gc.ts). */
  readonly collectBetweenStages?: boolean;
}

/** A not-hunted IOC as run.json lists it. */
export interface RunDropped {
  readonly family: string;
  readonly type: string;
  readonly value: string;
  readonly port?: number;
  readonly code: string;
  readonly reason: string;
  readonly list: string;
}

/** What the run-level pages need of a pack: its name, figures and timeline, not its IOCs. */
export interface PackOverview {
  readonly family: PackDocument['family'];
  readonly stats: PackDocument['stats'];
  readonly queryCount: number;
  /** IOCs per type and first-seen day (`YYYY-MM-DD`), for the timeline. */
  readonly timeline: readonly { readonly type: IocType; readonly firstSeen: string; readonly count: number }[];
}

/** What a family leaves for the run: its overview and its not-hunted IOCs (counts, and the first rows). */
export interface FamilyResult {
  readonly overview: PackOverview;
  readonly droppedCount: number;
  readonly droppedByCode: Readonly<Record<string, number>>;
  /** The first {@link RUN_DROPPED_ROWS} not-hunted IOCs, in pack order. */
  readonly dropped: readonly RunDropped[];
}

/** Where a family's pack goes: `check` sees the assembled pack (validation), `write` gets its files renderer by renderer. */
export interface FamilyOutput {
  check(doc: PackDocument): void;
  write(doc: PackDocument, files: readonly Artifact[]): void | Promise<void>;
}

/** IOCs per type and first-seen day. */
export function timelineOf(iocs: readonly { readonly type: IocType; readonly firstSeen: string }[]): PackOverview['timeline'] {
  const counts = new Map<string, { type: IocType; firstSeen: string; count: number }>();
  for (const i of iocs) {
    const day = i.firstSeen.slice(0, 10);
    const key = `${i.type} ${day}`;
    const c = counts.get(key);
    if (c) c.count++;
    else counts.set(key, { type: i.type, firstSeen: day, count: 1 });
  }
  return [...counts.values()];
}

/** The family's pack and what the run keeps of its not-hunted IOCs. */
function decideAndAssemble(ctx: FamilyContext, timer: StageTimer, family: FamilyRef, slug: string, iocs: readonly Ioc[]): { doc: PackDocument } & Omit<FamilyResult, 'overview'> {
  const { k, lists, settings } = ctx;
  const decided = timer.time('policy', () =>
    applyPolicy(iocs, {
      ...(lists ? { lists } : {}),
      allowlists: ctx.allowlists,
      ...(settings.minConfidence !== undefined ? { minConfidence: settings.minConfidence } : {}),
      ttlDays: settings.ttlDays,
      asOf: settings.asOf ?? '9999-12-31T00:00:00Z',
    }),
  );
  const droppedByCode: Record<string, number> = {};
  const dropped: RunDropped[] = [];
  for (const d of decided.dropped) {
    droppedByCode[d.code] = (droppedByCode[d.code] ?? 0) + 1;
    if (dropped.length < RUN_DROPPED_ROWS) {
      dropped.push({ family: family.id, type: d.ioc.type, value: d.ioc.value, ...(d.ioc.port !== undefined ? { port: d.ioc.port } : {}), code: d.code, reason: d.reason, list: d.list });
    }
  }
  const { doc } = timer.time('assemble', () =>
    assemblePack(
      k,
      { family, slug, iocs: decided.kept, dropped: decided.dropped },
      {
        platforms: settings.platforms,
        lookbackDays: settings.lookbackDays,
        tables: settings.tables,
        asim: settings.asim,
        isSharedHost: (host) => lists?.isSharedHost(host) ?? false,
        ...(settings.maxParts !== undefined ? { maxParts: settings.maxParts } : {}),
        ...(settings.listUrl !== undefined ? { listUrl: settings.listUrl } : {}),
        lifecycle: { asOf: settings.asOf, ttlDays: settings.ttlDays },
        version: settings.version,
        ...(settings.now ? { generatedAt: settings.now } : {}),
      },
      (fam, profile, stats, packIocs) => summarizeFamily(k, fam, profile, stats, packIocs),
    ),
  );
  return { doc, droppedCount: decided.dropped.length, droppedByCode, dropped };
}

/**
 * Decide, assemble, check and render one family's pack. `source` gives its merged, sorted IOCs; they are let go once the
 * pack is assembled, so rendering a big family holds the pack, not both.
 */
export async function processFamily(ctx: FamilyContext, slug: string, source: () => { family: FamilyRef; iocs: readonly Ioc[] }, out: FamilyOutput): Promise<FamilyResult> {
  const timer = ctx.timer ?? new StageTimer();
  const { doc, ...result } = (() => {
    const { family, iocs } = source();
    return decideAndAssemble(ctx, timer, family, slug, iocs);
  })();
  const big = ctx.collectBetweenStages === true && doc.stats.total + result.droppedCount >= BIG_FAMILY;
  if (big) collectGarbage();
  timer.time('validate (submit)', () => out.check(doc));
  for (const r of RENDERERS) {
    if (!r.renderPack) continue;
    const t0 = performance.now();
    await out.write(doc, r.renderPack(ctx.k, doc).map((a) => ({ path: `${slug}/${a.path}`, content: a.content })));
    timer.add(`render+write ${r.id}`, performance.now() - t0);
    if (big) collectGarbage();
  }
  return { overview: { family: doc.family, stats: doc.stats, queryCount: doc.queries.length, timeline: timelineOf(doc.iocs) }, ...result };
}
