/**
 * The pack's README.md: the analyst's page. Order: summary, IOC summary, IOC table, hunting queries, Sentinel tables,
 * false-positive scenarios, then flags, ATT&CK and references. Every feed string is escaped (md.ts).
 */
import type { Knowledge } from '../../knowledge/load.js';
import { QUERY_HEADER_LINES, type PackDocument, type PackQuery } from '../../pack/pack.js';
import { armInlineWatchlists, ruleQueries } from '../sentinel/content.js';
import { defang } from '../defang.js';
import { EXCLUDED_ROWS, mostRecent, README_IOC_ROWS, shownOf } from '../display.js';
import { mdCode, mdFence, mdLink, mdTable, mdText, mdTrusted } from './md.js';

/** Queries longer than this are linked rather than inlined in the README. */
const INLINE_QUERY_MAX_LINES = 80;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Render a pack README. */
export function renderPackReadme(k: Knowledge, doc: PackDocument): string {
  const { family, stats } = doc;
  const out: string[] = [];
  const platforms = [...new Set(doc.queries.map((q) => k.dialects[q.platform].label))];
  out.push(`# ${mdText(family.name)}: hunt pack`);
  out.push('');
  out.push(
    `Family ${mdCode(family.id)} · ${plural(stats.total, 'IOC', 'IOCs')} · ${plural(doc.queries.length, 'hunting query', 'hunting queries')} for ${platforms.map(mdText).join(' and ') || 'no platform'}` +
      (doc.generatedAt ? ` · generated ${mdText(doc.generatedAt)}` : ''),
  );
  out.push('');
  out.push('## Summary', '', mdText(doc.summary), '');

  out.push('## IOC summary', '');
  const conf = stats.confidence;
  out.push(
    mdTable(
      ['', ''],
      [
        ['Family', `${mdText(family.name)} (${mdCode(family.id)})`],
        ['Aliases', family.aliases.length ? family.aliases.map(mdText).join(', ') : 'none known'],
        ...(doc.profile ? [['Kind', mdText(doc.profile.kind)]] : []),
        ['IOCs', String(stats.total)],
        ['By type', Object.entries(stats.byType).map(([t, n]) => `${mdText(k.iocTypes[t]!.label)}: ${n}`).join(' · ')],
        ['By threat type', Object.entries(stats.byThreatType).map(([t, n]) => `${mdText(t)}: ${n}`).join(' · ')],
        ['First seen', stats.firstSeen ? stats.firstSeen.slice(0, 10) : 'unknown'],
        ['Last seen', stats.lastSeen ? stats.lastSeen.slice(0, 10) : 'unknown'],
        ['Confidence', conf ? (conf.min === conf.max ? String(conf.min) : `${conf.min}–${conf.max} (median ${conf.median})`) : 'not given'],
        ['Flagged', String(stats.flagged)],
        ['Not hunted', String(stats.dropped)],
      ],
    ),
    '',
  );

  out.push('## IOCs', '', 'Values are defanged for display (`hxxp`, `[.]`); the queries, `iocs.csv` and `pack.json` hold the real values.', '');
  const shownIocs = mostRecent(doc.iocs, README_IOC_ROWS);
  if (shownIocs.length < doc.iocs.length) out.push(`This table shows ${shownOf(shownIocs.length, doc.iocs.length)} IOCs; ${mdLink('iocs.csv', 'iocs.csv')} lists them all.`, '');
  out.push(
    mdTable(
      ['Type', 'Value', 'Threat type', 'First seen', 'Confidence'],
      shownIocs.map((i) => [
        mdText(k.iocTypes[i.type]!.label) + (i.flags.length ? ` ⚑ ${i.flags.map(mdText).join(', ')}` : ''),
        mdCode(defang(i)),
        i.threatType ? mdText(i.threatType) : '–',
        i.firstSeen.slice(0, 10),
        i.confidence === null ? '–' : String(i.confidence),
      ]),
    ),
    '',
  );

  out.push('## Hunting queries', '');
  if (doc.queries.length === 0) out.push('No IOC of this pack can be hunted in the supported tables (see below).', '');
  for (const p of ['sentinel', 'defender'] as const) {
    const qs = doc.queries.filter((q) => q.platform === p);
    if (!qs.length) continue;
    out.push(`### ${mdText(k.dialects[p].label)}`, '');
    for (const huntId of [...new Set(qs.map((q) => q.hunt))]) {
      const group = qs.filter((q) => q.hunt === huntId);
      const q = group[0]!;
      const inline = group.length === 1 && q.variant === 'inline';
      out.push(`#### ${mdText(inline ? q.title : q.title.replace(/ \((part \d+ of \d+|watchlist variant|externaldata variant)\)$/, ''))}`, '');
      out.push(
        `Table ${mdCode(q.table)} · connector ${mdCode(q.connectorId)} · hunts ${q.iocTypes.map((t) => mdText(k.iocTypes[t]!.plural)).join(', ')} · confidence ${q.confidence} · lookback ${q.lookbackDays} days` +
          (inline ? ` · file ${mdLink(q.file, q.file)}` : ''),
        '',
      );
      out.push(mdTrusted(q.description), '');
      if (inline) {
        const lines = q.kql.split('\n').length;
        // The file's `//` header repeats the title and description shown above; the README shows the query itself.
        if (lines <= INLINE_QUERY_MAX_LINES) out.push(mdFence(q.kql.split('\n').slice(QUERY_HEADER_LINES).join('\n'), 'kql'), '');
        else out.push(`The query is ${lines} lines long; open ${mdLink(q.file, q.file)} to copy it.`, '');
        continue;
      }
      const parts = group.filter((x) => x.variant === 'chunk');
      const wl = group.find((x) => x.variant === 'watchlist');
      const ext = group.find((x) => x.variant === 'externaldata');
      const total = (wl ?? ext ?? q).iocCount;
      const listFiles = (v: PackQuery): string =>
        (v.watchlists ?? [])
          .map((a) => {
            const w = doc.watchlists.find((x) => x.alias === a)!;
            return `${mdLink(w.file, w.file)} (${w.items} value${w.items === 1 ? '' : 's'})`;
          })
          .join(' and ');
      out.push(
        parts.length
          ? `This hunt holds ${total} values: as one query it would pass the 10,000-character limit of an analytics rule (and \`has_any\` stops at 10,000 values), so it comes split:`
          : `This hunt holds ${total} values: too many to paste as numbered parts of 10,000 characters (more than \`--max-parts\` allows), so it reads them from a list file:`,
        '',
      );
      if (wl) {
        out.push(
          `- **Watchlist variant** (use this for a scheduled rule): ${mdLink(wl.file, wl.file)}. Upload ${(wl.watchlists ?? [])
            .map((a) => { const w = doc.watchlists.find((x) => x.alias === a)!; return `${mdLink(w.file, w.file)} as watchlist alias ${mdCode(a)}`; })
            .join(' and ')} with \`SearchKey\` as the search key${parts.length ? '' : ' (a file over 3.8 MB goes through Azure Storage)'}.`,
        );
      }
      if (ext) {
        const placeholder = (ext.listUrls ?? []).some((u) => u.includes('.invalid/'));
        out.push(
          `- **externaldata variant**: ${mdLink(ext.file, ext.file)} reads ${listFiles(ext)} over HTTPS. Host the file${(ext.watchlists ?? []).length > 1 ? 's' : ''} where Defender XDR can reach ${(ext.watchlists ?? []).length > 1 ? 'them' : 'it'} (a storage account with a SAS URL, or a raw file in a repository)` +
            (placeholder ? ` and replace the placeholder URL in the query, or rebuild with \`--list-url <base URL>\`.` : `: the query reads ${(ext.listUrls ?? []).map((u) => mdCode(u)).join(' and ')}.`),
        );
      }
      if (parts.length) out.push(`- **${parts.length} numbered parts** of at most 10,000 characters each${wl ? ', for when you cannot create watchlists' : ''}; run every part: ${parts.map((x) => mdLink(String(x.part?.index ?? ''), x.file)).join(', ')}.`);
      out.push('');
    }
  }
  if (doc.notHunted.length) {
    out.push('### IOC types not hunted', '');
    for (const n of doc.notHunted) out.push(`- **${mdTrusted(k.iocTypes[n.type]!.plural)}** (${n.count}): ${mdTrusted(n.reason)}`);
    out.push('');
  }

  out.push('## Sentinel tables', '', 'Enable these data connectors so the queries have data to search.', '');
  out.push(
    mdTable(
      ['Table', 'Data connector to enable', 'Note'],
      doc.tables.map((t) => [mdCode(t.table), `${mdTrusted(t.connector)} (${mdCode(t.connectorId)})`, mdTrusted(t.note)]),
    ),
    '',
  );

  out.push('## False-positive scenarios', '');
  out.push('Each exclusion is already in the matching queries as a commented line: uncomment it to enable it.', '');
  for (const fp of doc.falsePositives) {
    out.push(`### ${mdTrusted(fp.scenario)}`, '', mdTrusted(fp.description), '');
    out.push(mdFence(fp.exclusions.map((e) => `// ${e.table}\n${e.kql}`).join('\n'), 'kql'), '');
  }

  if (doc.excluded.length) {
    out.push('## IOCs not hunted', '');
    const byCode = new Map<string, number>();
    for (const e of doc.excluded) byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
    out.push(`${doc.excluded.length} IOC${doc.excluded.length === 1 ? ' of the feed is' : 's of the feed are'} left out of the queries: ${[...byCode].map(([c, n]) => `${mdText(c)} ${n}`).join(' · ')}.`, '');
    const shownExcluded = mostRecent(doc.excluded, EXCLUDED_ROWS);
    if (shownExcluded.length < doc.excluded.length) out.push(`The table shows ${shownOf(shownExcluded.length, doc.excluded.length)}; \`pack.json\` (\`excluded\`) lists them all.`, '');
    out.push(mdTable(['Type', 'Value', 'Reason', 'List'], shownExcluded.map((e) => [mdText(k.iocTypes[e.type]!.label), mdCode(defang(e)), mdText(e.reason), mdText(e.list)])), '');
  }
  const rules = ruleQueries(doc);
  out.push('## Deploy', '');
  if (rules.length) {
    out.push(
      `- **Sentinel analytics rules** (${rules.length}): ${mdLink('sentinel/analytics/', 'sentinel/analytics/')} in the Azure-Sentinel content format, and ${mdLink('sentinel/azuredeploy.json', 'sentinel/azuredeploy.json')} to deploy them${doc.watchlists.length ? ' with their watchlists' : ''}: \`az deployment group create -g <resource-group> --template-file sentinel/azuredeploy.json --parameters workspace=<workspace>\`. The rules arrive disabled so you can review them first; add \`rulesEnabled=true\` to deploy them enabled. Each rule runs every hour over the last hour and alerts on any hit; ids are stable, so a redeploy updates the rules.`,
      `- **Sentinel hunting queries**: ${mdLink('sentinel/hunting/', 'sentinel/hunting/')}, the same hunts as hunting-query YAML.`,
    );
    const big = armInlineWatchlists(doc).outside;
    if (big.length) {
      out.push(
        `- **Large watchlists**: ${big.map((w) => `${mdLink(w.file, w.file)} (${w.items} values, ${(w.bytes / 1e6).toFixed(1)} MB)`).join(', ')} ${big.length === 1 ? 'is' : 'are'} not in \`azuredeploy.json\`, which must stay within Azure's limits (1 MB per resource, 4 MB per template, counting the JSON escaping of each CSV) and Sentinel's 3.8 MB per inline watchlist: upload ${big.length === 1 ? 'it' : 'each'} through an Azure Storage account (SAS URL) under ${big.length === 1 ? 'its' : 'its own'} alias (the file name without \`.csv\`) before relying on the rules that read ${big.length === 1 ? 'it' : 'them'}.`,
      );
    }
  }
  if (doc.queries.some((q) => q.platform === 'defender')) {
    out.push('- **Defender XDR custom detections**: every query under `queries/defender/` returns `Timestamp`, `ReportId` and, on device tables, `DeviceId`, so it can be saved as a custom detection rule from Advanced hunting as it is.');
  }
  out.push(`- **STIX 2.1**: ${mdLink('stix/bundle.json', 'stix/bundle.json')} holds ${doc.iocs.length} indicator${doc.iocs.length === 1 ? '' : 's'} (TLP:CLEAR, valid until last seen plus the time-to-live) and the malware object, for a threat-intelligence platform.`, '');
  const flagged = doc.iocs.filter((i) => i.flags.length);
  if (flagged.length) {
    out.push('## Flagged IOCs', '', 'These are hunted, but read the reason before acting on a hit.', '');
    out.push(mdTable(['Value', 'Flag', 'Reason', 'Source'], flagged.flatMap((i) => i.flagDetails.map((f) => [mdCode(defang(i)), mdText(f.code), mdText(f.reason), mdText(f.source)]))), '');
  }
  if (doc.profile) {
    if (doc.profile.huntingNotes.length) {
      out.push('## Hunting notes', '');
      for (const n of doc.profile.huntingNotes) out.push(`- ${mdTrusted(n)}`);
      out.push('');
    }
    if (doc.profile.attack.length) {
      out.push('## MITRE ATT&CK', '');
      out.push(`Techniques associated with the family${doc.profile.reviewed ? '' : ' (analyst mapping, not yet reviewed)'}:`, '');
      for (const t of doc.profile.attack) out.push(`- ${t.id} ${mdText(t.name)}`);
      out.push('');
    }
    out.push('## References', '');
    for (const r of doc.profile.references) out.push(`- [${mdText(r.title)}](${encodeURI(r.url)})`);
    out.push('');
  }
  const feedRefs = [...new Set(doc.iocs.flatMap((i) => i.references))].sort();
  if (feedRefs.length) {
    out.push('## Feed references', '', 'References given by the feed, shown as text (not verified):', '');
    for (const r of feedRefs) out.push(`- ${mdCode(r)}`);
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}
