/**
 * DIR/index.md: every family with counts, and every rejected record with its location and reason.
 */
import type { Knowledge } from '../../knowledge/load.js';
import type { PackOverview, RunDocument } from '../../build.js';
import { mdCode, mdLink, mdTable, mdText } from './md.js';

/** Render the index page of a build. */
export function renderIndex(k: Knowledge, run: RunDocument, packs: readonly PackOverview[]): string {
  const out: string[] = ['# Hunt packs', ''];
  const total = packs.reduce((n, p) => n + p.stats.total, 0);
  const queries = packs.reduce((n, p) => n + p.queryCount, 0);
  out.push(
    `${packs.length} malware famil${packs.length === 1 ? 'y' : 'ies'} · ${total} IOCs · ${queries} hunting queries · ${run.rejected.length} rejected record${run.rejected.length === 1 ? '' : 's'}` +
      (run.generatedAt ? ` · generated ${mdText(run.generatedAt)}` : ''),
    '',
  );
  out.push('## Families', '');
  out.push(
    mdTable(
      ['Family', 'IOCs hunted', 'Types', 'Queries', 'First seen', 'Last seen', 'Flagged', 'Not hunted'],
      packs.map((p) => [
        `${mdLink(p.family.name, `${p.family.slug}/README.md`)} (${mdCode(p.family.id)})`,
        String(p.stats.total),
        Object.entries(p.stats.byType).map(([t, n]) => `${mdText(k.iocTypes[t]!.label)} ${n}`).join(', '),
        String(p.queryCount),
        p.stats.firstSeen?.slice(0, 10) ?? '–',
        p.stats.lastSeen?.slice(0, 10) ?? '–',
        String(p.stats.flagged),
        String(p.stats.dropped),
      ]),
    ),
    '',
  );
  const pol = run.policy;
  out.push('## How IOCs were selected', '');
  out.push(
    `- Expiry evaluated at ${pol.asOf ? pol.asOf.slice(0, 10) : 'no date'} (${mdText(pol.asOfSource)}); time-to-live in days: ${Object.entries(pol.ttlDays).map(([c, d]) => `${c} ${d}`).join(', ')}.`,
    `- Minimum confidence: ${pol.minConfidence ?? 'none'}.`,
    `- Warninglists: ${pol.warninglists.length ? `${pol.warninglists.length} bundled lists (data/warninglists/)` : 'off'}; allowlists: ${pol.allowlists.length ? pol.allowlists.map(mdCode).join(', ') : 'none'}.`,
    `- ${run.droppedCount} IOC${run.droppedCount === 1 ? '' : 's'} not hunted${run.droppedCount ? ': ' + Object.entries(run.droppedByCode).map(([c, n]) => `${mdText(c)} ${n}`).join(' · ') : ''} (each listed in its pack's README and pack.json).`,
    '',
  );
  out.push('## Inputs', '');
  out.push(mdTable(['File', 'Format', 'Records', 'Accepted', 'Rejected'], run.inputs.map((i) => [mdCode(i.file), mdText(i.format), String(i.records), String(i.accepted), String(i.rejected)])), '');
  if (run.rejected.length) {
    out.push('## Rejected records', '', 'These records were not turned into IOCs; the rest of the feed was built.', '');
    out.push(mdTable(['File', 'Where', 'Value', 'Reason'], run.rejected.map((r) => [mdCode(r.file), mdText(r.location), mdCode(r.value), mdText(r.reason)])), '');
  }
  if (run.warnings.length) {
    out.push('## Warnings', '');
    for (const w of run.warnings) out.push(`- ${mdCode(w.file)} ${mdText(w.location)}: ${mdText(w.message)}`);
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}
