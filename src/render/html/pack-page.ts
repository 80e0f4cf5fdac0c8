/**
 * DIR/<family>/report.html: the pack as one self-contained page an analyst can read, search, copy from and print.
 * Order follows README.md: summary, timeline, breakdown, IOC table, hunting queries, tables and connectors,
 * false positives, IOCs not hunted and flagged, hunting notes, ATT&CK and references.
 *
 * Every feed string is escaped (html.ts); feed references are text, never links. Query text sits escaped in a
 * <pre><code> whose textContent is the pack's `kql` byte for byte; the copy button copies that textContent.
 */
import type { Knowledge } from '../../knowledge/load.js';
import type { IocType } from '../../model/ioc.js';
import type { PackDocument, PackQuery } from '../../pack/pack.js';
import { defang } from '../defang.js';
import { EXCLUDED_ROWS, HTML_IOC_ROWS, mostRecent, shownOf } from '../display.js';
import { barTable, timelineChart } from './charts.js';
import { code, day, esc, escLine, escTrusted, num, ownHref, plural, safeHttpUrl, table } from './html.js';
import { renderPage, type TocEntry } from './page.js';

function typeLabel(k: Knowledge, t: string, n = 1): string {
  const info = k.iocTypes[t];
  return info ? (n === 1 ? info.label : info.plural) : t;
}

function threatLabel(k: Knowledge, t: string): string {
  return k.threatTypes.find((x) => x.threatType === t)?.label ?? t;
}

/** A copy button for the element with id `target`. */
function copyButton(target: string, label: string, what: string): string {
  return `<button type="button" class="copy" data-copy="${esc(target)}" aria-label="${esc(`${label}: ${what}`)}">${esc(label)}</button>`;
}

/** The filter controls of a table (shown by the script). */
function filterBox(tableId: string, placeholder: string, types?: readonly { value: string; label: string }[]): string {
  const select = types?.length
    ? `<select aria-label="Filter by type"><option value="">All types</option>${types.map((t) => `<option value="${esc(t.value)}">${escLine(t.label)}</option>`).join('')}</select>`
    : '';
  return `<div class="filter" data-filter="${esc(tableId)}" hidden><input type="search" placeholder="${esc(placeholder)}" aria-label="${esc(placeholder)}" autocomplete="off" spellcheck="false">${select}<output aria-live="polite"></output></div>`;
}

function queryCard(k: Knowledge, q: PackQuery, index: number, pack: PackDocument): string {
  const codeId = `kql-${index}`;
  const connector = k.tables[q.table]?.connector;
  const meta = [
    `<span class="badge ${esc(q.platform)}">${escLine(k.dialects[q.platform].label)}</span>`,
    `table ${code(q.table)}`,
    `connector ${connector ? `${escTrusted(connector)} (${code(q.connectorId)})` : code(q.connectorId)}`,
    `hunts ${q.iocTypes.map((t) => escLine(typeLabel(k, t, 2))).join(', ')}`,
    plural(q.iocCount, 'IOC', 'IOCs'),
    `confidence <span class="badge ${esc(q.confidence)}">${escLine(q.confidence)}</span>`,
    `lookback ${q.lookbackDays} days`,
  ].join(' · ');
  let variantNote = '';
  if (q.variant === 'watchlist') {
    const lists = (q.watchlists ?? []).map((a) => {
      const w = pack.watchlists.find((x) => x.alias === a);
      return w ? `${code(w.file)} as watchlist alias ${code(a)} (${plural(w.items, 'value', 'values')})` : code(a);
    });
    variantNote = `<p class="note">Use this variant for a scheduled rule. Upload ${lists.join(' and ')} with <code>SearchKey</code> as the search key first.</p>`;
  }
  if (q.variant === 'externaldata') {
    const lists = (q.watchlists ?? []).map((a) => {
      const w = pack.watchlists.find((x) => x.alias === a);
      return w ? `${code(w.file)} (${plural(w.items, 'value', 'values')})` : code(a);
    });
    const placeholder = (q.listUrls ?? []).some((u) => u.includes('.invalid/'));
    variantNote = `<p class="note">This query reads ${lists.join(' and ')} over HTTPS with <code>externaldata</code>. Host ${lists.length > 1 ? 'them' : 'it'} where Defender XDR can reach ${lists.length > 1 ? 'them' : 'it'} (a storage account with a SAS URL, or a raw file in a repository)${placeholder ? ' and replace the placeholder URL below, or rebuild with <code>--list-url &lt;base URL&gt;</code>' : ''}.</p>`;
  }
  return `<article class="query" id="q-${esc(q.id)}">
<div class="query-head"><div><h4>${escLine(q.title)}</h4><p class="meta">${meta}</p></div>${copyButton(codeId, 'Copy query', q.title)}</div>
<p class="desc">${escTrusted(q.description)}</p>${variantNote ? '\n' + variantNote : ''}
<pre class="code"><code id="${codeId}">${esc(q.kql)}</code></pre>
<p class="file">File <code>${esc(q.file)}</code></p>
</article>`;
}

/** Values a hunt holds: its list variant's count, else the sum over its parts. */
function listedValues(group: readonly PackQuery[]): number {
  const list = group.find((q) => q.variant === 'watchlist' || q.variant === 'externaldata' || q.variant === 'inline');
  return list ? list.iocCount : group.filter((q) => q.variant === 'chunk').reduce((n, q) => n + q.iocCount, 0);
}

/** Render a pack's report.html. */
export function renderPackHtml(k: Knowledge, doc: PackDocument): string {
  const { family, stats } = doc;
  const toc: TocEntry[] = [];
  const body: string[] = [];
  const platforms = [...new Set(doc.queries.map((q) => k.dialects[q.platform].label))];

  // Header and summary.
  const conf = stats.confidence;
  body.push(`<header class="page-head">
<p class="eyebrow">Hunt pack</p>
<h1>${escLine(family.name)}</h1>
<p class="sub">Family ${code(family.id)}${doc.profile ? ` · ${escLine(doc.profile.kind)}` : ''} · ${plural(stats.total, 'IOC', 'IOCs')} · ${plural(doc.queries.length, 'hunting query', 'hunting queries')} for ${platforms.map(escLine).join(' and ') || 'no platform'}${doc.generatedAt ? ` · generated ${escLine(doc.generatedAt)}` : ''}</p>
</header>`);
  toc.push({ id: 'summary', label: 'Summary' });
  const cards: [string, string, boolean?][] = [
    ['IOCs hunted', String(stats.total)],
    ['Queries', String(doc.queries.length)],
    ['First seen', day(stats.firstSeen), true],
    ['Last seen', day(stats.lastSeen), true],
    ['Confidence', conf ? (conf.min === conf.max ? String(conf.min) : `${conf.min}–${conf.max}`) : '–', !!conf && conf.min !== conf.max],
    ['Flagged', String(stats.flagged)],
    ['Not hunted', String(stats.dropped)],
  ];
  body.push(`<section id="summary" aria-labelledby="summary-h">
<h2 id="summary-h">Summary</h2>
<p class="lede">${escLine(doc.summary)}</p>
<div class="cards">${cards.map(([key, v, small]) => `<div class="card"><div class="k">${esc(key)}</div><div class="v${small ? ' small' : ''}">${esc(v)}</div></div>`).join('')}</div>
<dl class="facts">
<dt>Family</dt><dd>${escLine(family.name)} (${code(family.id)})</dd>
<dt>Aliases</dt><dd>${family.aliases.length ? `<span class="chips">${family.aliases.map((a) => `<span class="chip">${escLine(a)}</span>`).join('')}</span>` : 'none known'}</dd>
${doc.profile ? `<dt>Kind</dt><dd>${escLine(doc.profile.kind)}</dd>\n` : ''}<dt>Confidence</dt><dd>${conf ? (conf.min === conf.max ? `${conf.min}` : `${conf.min}–${conf.max} (median ${conf.median})`) : 'not given by the feed'}</dd>
<dt>Folder</dt><dd>${code(family.slug + '/')} · ${code('pack.json')} holds the same data, machine-readable</dd>
</dl>
</section>`);

  // Timeline.
  toc.push({ id: 'timeline', label: 'Timeline' });
  body.push(`<section id="timeline" aria-labelledby="timeline-h">
<h2 id="timeline-h">IOC timeline</h2>
<p class="muted small">When the feed first saw each hunted IOC, stacked by IOC type. Hover a bar for its counts.</p>
${timelineChart(doc.iocs, (t, n) => typeLabel(k, t, n))}
</section>`);

  // Breakdown.
  toc.push({ id: 'breakdown', label: 'Breakdown' });
  const byType = Object.entries(stats.byType).map(([t, n]) => ({ labelHtml: escLine(typeLabel(k, t, 2)), n: n ?? 0, cls: `t-${t}` }));
  const byThreat = Object.entries(stats.byThreatType).map(([t, n]) => ({
    labelHtml: `${escLine(threatLabel(k, t))}${threatLabel(k, t) !== t ? ` <span class="muted small">${code(t)}</span>` : ''}`,
    n,
  }));
  body.push(`<section id="breakdown" aria-labelledby="breakdown-h">
<h2 id="breakdown-h">Breakdown</h2>
<div class="split">
<div><h3>By IOC type</h3>${barTable(byType, `${stats.total} hunted IOCs by type`)}</div>
<div><h3>By threat type</h3>${barTable(byThreat, `${stats.total} hunted IOCs by ThreatFox threat type`)}</div>
</div>
</section>`);

  // IOC table.
  toc.push({ id: 'iocs', label: 'IOCs', count: doc.iocs.length });
  const shownIocs = mostRecent(doc.iocs, HTML_IOC_ROWS);
  const anyFlag = doc.iocs.some((i) => i.flags.length > 0);
  const presentTypes = [...new Set(doc.iocs.map((i) => i.type))];
  const typeOptions = Object.keys(k.iocTypes)
    .filter((t) => presentTypes.includes(t as IocType))
    .map((t) => ({ value: t, label: typeLabel(k, t) }));
  body.push(`<section id="iocs" aria-labelledby="iocs-h">
<h2 id="iocs-h">IOCs</h2>
<p class="muted small">Values are defanged for display (<code>hxxp</code>, <code>[.]</code>, <code>[@]</code>); the queries and <code>pack.json</code> hold the real values. The filter matches defanged and original spellings.</p>
${shownIocs.length < doc.iocs.length ? `<p class="note">The table shows ${shownOf(shownIocs.length, doc.iocs.length)} IOCs; <code>iocs.csv</code> lists them all.</p>` : ''}
${doc.iocs.length ? filterBox('ioc-table', 'Filter IOCs: value, tag, threat type, ID…', typeOptions) : ''}
${
  doc.iocs.length
    ? table({
        id: 'ioc-table',
        scroll: shownIocs.length > 25,
        head: ['Type', 'Value', 'Threat type', { text: 'First seen', cls: 'nowrap' }, { text: 'Last seen', cls: 'nowrap' }, { text: 'Conf.', cls: 'num' }, 'Tags', ...(anyFlag ? [{ text: 'Flags', cls: 'flags' }] : [])],
        rows: shownIocs.map((i) => ({
          attrs: `data-type="${esc(i.type)}" data-value="${escLine(i.value)}"`,
          cells: [
            { html: escLine(typeLabel(k, i.type)), cls: 'nowrap' },
            { html: `<code>${escLine(defang(i))}</code>${i.sourceIds.length ? `<span class="ids">ThreatFox ${i.sourceIds.map(escLine).join(', ')}</span>` : ''}`, cls: 'value' },
            i.threatType ? escLine(threatLabel(k, i.threatType)) : '–',
            { html: esc(day(i.firstSeen)), cls: 'nowrap' },
            { html: esc(day(i.lastSeen)), cls: 'nowrap' },
            num(i.confidence === null ? '–' : i.confidence),
            i.tags.length ? `<span class="chips">${i.tags.map((t) => `<span class="chip">${escLine(t)}</span>`).join('')}</span>` : '',
            ...(anyFlag ? [{ html: i.flags.length ? `<span class="chips">${i.flags.map((f) => `<span class="chip flag">⚑ ${escLine(f)}</span>`).join('')}</span>` : '', cls: 'flags' }] : []),
          ],
        })),
      }) + '\n<p class="empty" id="ioc-table-empty" hidden>No IOC matches the filter.</p>'
    : '<p class="muted">No IOC of this family is left to hunt.</p>'
}
</section>`);

  // Hunting queries.
  const qToc: TocEntry[] = [];
  const qParts: string[] = [];
  let index = 0;
  const anchors = new Map<string, string>();
  for (const q of doc.queries) anchors.set(q.id, `q-${q.id}`);
  if (doc.queries.length) {
    // Overview: one row per hunt, with a link to each platform's query (or its parts).
    const hunts = [...new Set(doc.queries.map((q) => `${q.table}\u0000${q.hunt}`))];
    const overviewRows = hunts.map((key) => {
      const [tbl, hunt] = key.split('\u0000') as [string, string];
      const group = doc.queries.filter((q) => q.hunt === hunt && q.table === tbl);
      const first = group[0]!;
      const cell = (p: 'sentinel' | 'defender'): string => {
        const qs = group.filter((q) => q.platform === p);
        if (!qs.length) return '<span class="muted">–</span>';
        if (qs.length === 1) return `<a href="#${esc(anchors.get(qs[0]!.id)!)}">query</a>`;
        return qs
          .map((q) => `<a href="#${esc(anchors.get(q.id)!)}">${q.variant === 'chunk' ? `part ${q.part?.index ?? ''}` : q.variant}</a>`)
          .join(' ');
      };
      return {
        cells: [
          escLine(first.title.replace(/ \((part \d+ of \d+|watchlist variant|externaldata variant)\)$/, '')),
          code(tbl),
          { html: esc(String(listedValues(group.filter((q) => q.platform === first.platform)))), cls: 'num' },
          `<span class="badge ${esc(first.confidence)}">${escLine(first.confidence)}</span>`,
          cell('sentinel'),
          cell('defender'),
        ],
      };
    });
    qParts.push(
      `<h3 id="queries-overview">Overview</h3>\n` +
        table({ cls: 'overview', head: ['Hunt', 'Table', { text: 'IOCs', cls: 'num' }, 'Confidence', 'Sentinel', 'Defender XDR'], rows: overviewRows }),
    );
  } else {
    qParts.push('<p>No IOC of this pack can be hunted in the supported tables (see below).</p>');
  }
  for (const p of ['sentinel', 'defender'] as const) {
    const qs = doc.queries.filter((q) => q.platform === p);
    if (!qs.length) continue;
    qToc.push({ id: `queries-${p}`, label: k.dialects[p].label, count: qs.length });
    const cardsHtml: string[] = [];
    for (const huntId of [...new Set(qs.map((q) => q.hunt))]) {
      const group = qs.filter((q) => q.hunt === huntId);
      if (group.length > 1 || group[0]!.variant !== 'inline') {
        const parts = group.filter((x) => x.variant === 'chunk');
        const wl = group.find((x) => x.variant === 'watchlist');
        const total = listedValues(group);
        const title = escLine(group[0]!.title.replace(/ \((part \d+ of \d+|watchlist variant|externaldata variant)\)$/, ''));
        cardsHtml.push(
          parts.length
            ? `<p class="note warn">${title}: this hunt holds ${total} values. As one query it would pass the 10,000-character limit of an analytics rule, so it comes ${wl ? 'as a watchlist variant (use it for a scheduled rule) and ' : ''}as ${plural(parts.length, 'numbered part', 'numbered parts')}${wl ? ' for when you cannot create watchlists' : ''}; run every part.</p>`
            : `<p class="note warn">${title}: this hunt holds ${total} values, too many to paste as numbered parts of 10,000 characters (more than <code>--max-parts</code> allows), so it reads them from a list file.</p>`,
        );
      }
      for (const q of group) cardsHtml.push(queryCard(k, q, index++, doc));
    }
    qParts.push(`<div id="queries-${p}"><h3>${escLine(k.dialects[p].label)} <span class="muted small">${plural(qs.length, 'query', 'queries')}</span></h3>\n${cardsHtml.join('\n')}</div>`);
  }
  if (doc.notHunted.length) {
    qToc.push({ id: 'not-hunted-types', label: 'Types not hunted' });
    qParts.push(
      `<div id="not-hunted-types"><h3>IOC types not hunted</h3><ul class="plain">${doc.notHunted
        .map((n) => `<li><strong>${escLine(typeLabel(k, n.type, 2))}</strong> (${n.count}): ${escTrusted(n.reason)}</li>`)
        .join('')}</ul></div>`,
    );
  }
  toc.push({ id: 'queries', label: 'Hunting queries', count: doc.queries.length, children: qToc });
  body.push(`<section id="queries" aria-labelledby="queries-h">
<h2 id="queries-h">Hunting queries</h2>
<p class="muted small">Each query is complete as shown, with its <code>//</code> header. <strong>Copy query</strong> copies exactly the text of the <code>.kql</code> file. False-positive exclusions are in each query as commented lines: uncomment one to enable it.</p>
${qParts.join('\n')}
</section>`);

  // Tables and connectors.
  toc.push({ id: 'tables', label: 'Tables & connectors', count: doc.tables.length });
  body.push(`<section id="tables" aria-labelledby="tables-h">
<h2 id="tables-h">Sentinel tables and data connectors</h2>
<p>Enable these data connectors so the queries have data to search.</p>
${
  doc.tables.length
    ? table({
        cls: 'tables',
        head: ['Table', 'Platforms', 'Data connector to enable', 'Note'],
        rows: doc.tables.map((t) => ({
          cells: [
            code(t.table),
            t.platforms.map((p) => `<span class="badge ${esc(p)}">${escLine(p === 'sentinel' ? 'Sentinel' : 'Defender XDR')}</span>`).join(' '),
            `${escTrusted(t.connector)}<br><span class="muted small">connectorId ${code(t.connectorId)}</span>`,
            escTrusted(t.note),
          ],
        })),
      })
    : '<p class="muted">No table is queried.</p>'
}
</section>`);

  // False positives.
  toc.push({ id: 'false-positives', label: 'False positives', count: doc.falsePositives.length });
  const fps = doc.falsePositives
    .map((fp, i) => {
      const id = `fp-${i}`;
      const text = fp.exclusions.map((e) => `// ${e.table}\n${e.kql}`).join('\n');
      return `<div class="fp" id="fp-${esc(fp.id)}"><div class="fp-head"><h3>${escTrusted(fp.scenario)}</h3>${copyButton(id, 'Copy exclusions', fp.scenario)}</div>
<p>${escTrusted(fp.description)}</p>
<p class="muted small">Applies to ${fp.exclusions.map((e) => code(e.table)).join(', ')}.</p>
<pre class="code"><code id="${id}">${esc(text)}</code></pre></div>`;
    })
    .join('\n');
  body.push(`<section id="false-positives" aria-labelledby="fp-h">
<h2 id="fp-h">False-positive scenarios</h2>
<p>Each exclusion is already in the matching queries as a commented line: uncomment it there to enable it.</p>
${fps || '<p class="muted">No scenario applies to these queries.</p>'}
</section>`);

  // Dropped and flagged.
  if (doc.excluded.length) {
    toc.push({ id: 'excluded', label: 'Not hunted', count: doc.excluded.length });
    const byCode = new Map<string, number>();
    for (const e of doc.excluded) byCode.set(e.code, (byCode.get(e.code) ?? 0) + 1);
    const shownExcluded = mostRecent(doc.excluded, EXCLUDED_ROWS);
    body.push(`<section id="excluded" aria-labelledby="excluded-h">
<h2 id="excluded-h">IOCs not hunted</h2>
<p>${plural(doc.excluded.length, 'IOC of the feed is', 'IOCs of the feed are')} left out of the queries: ${[...byCode].map(([c, n]) => `${code(c)} ${n}`).join(' · ')}.</p>
${shownExcluded.length < doc.excluded.length ? `<p class="note">The table shows ${shownOf(shownExcluded.length, doc.excluded.length)}; <code>pack.json</code> lists them all.</p>` : ''}
${table({
  head: ['Type', 'Value', 'Reason', 'Code', 'List', { text: 'First seen', cls: 'nowrap' }],
  rows: shownExcluded.map((e) => ({
    cells: [
      { html: escLine(typeLabel(k, e.type)), cls: 'nowrap' },
      { html: `<code>${escLine(defang(e))}</code>${e.sourceIds.length ? `<span class="ids">ThreatFox ${e.sourceIds.map(escLine).join(', ')}</span>` : ''}`, cls: 'value' },
      escLine(e.reason),
      { html: code(e.code), cls: 'nowrap' },
      { html: escLine(e.list), cls: 'nowrap' },
      { html: esc(day(e.firstSeen)), cls: 'nowrap' },
    ],
  })),
})}
</section>`);
  }
  const flagged = doc.iocs.filter((i) => i.flagDetails.length);
  if (flagged.length) {
    toc.push({ id: 'flagged', label: 'Flagged', count: flagged.length });
    body.push(`<section id="flagged" aria-labelledby="flagged-h">
<h2 id="flagged-h">Flagged IOCs</h2>
<p>These are hunted, but read the reason before acting on a hit.</p>
${table({
  head: ['Value', 'Flag', 'Reason', 'Source'],
  rows: flagged.flatMap((i) =>
    i.flagDetails.map((f) => ({
      cells: [{ html: `<code>${escLine(defang(i))}</code>`, cls: 'value' }, `<span class="chip flag">⚑ ${escLine(f.code)}</span>`, escLine(f.reason), escLine(f.source)],
    })),
  ),
})}
</section>`);
  }

  // Hunting notes, ATT&CK, references.
  const refParts: string[] = [];
  if (doc.profile) {
    if (doc.profile.huntingNotes.length) {
      refParts.push(`<h3 id="notes">Hunting notes</h3><ul class="plain">${doc.profile.huntingNotes.map((n) => `<li>${escTrusted(n)}</li>`).join('')}</ul>`);
    }
    if (doc.profile.attack.length) {
      refParts.push(
        `<h3 id="attack">MITRE ATT&amp;CK</h3><p class="small muted">Techniques associated with the family${doc.profile.reviewed ? '' : ' (analyst mapping, not yet reviewed)'}.</p><ul class="attack">${doc.profile.attack
          .map((t) => `<li>${code(t.id)}${escLine(t.name)}</li>`)
          .join('')}</ul>`,
      );
    }
    if (doc.profile.references.length) {
      refParts.push(
        `<h3 id="references">References</h3><ul class="plain refs">${doc.profile.references
          .map((r) => {
            const href = safeHttpUrl(r.url);
            return href
              ? `<li><a href="${esc(href)}" rel="noopener noreferrer">${escLine(r.title)}</a> <span class="muted small">${escLine(new URL(href).host)}</span></li>`
              : `<li>${escLine(r.title)}: ${code(r.url)}</li>`;
          })
          .join('')}</ul>`,
      );
    }
  }
  const feedRefs = [...new Set(doc.iocs.flatMap((i) => i.references))].sort();
  if (feedRefs.length) {
    refParts.push(
      `<h3 id="feed-references">Feed references</h3><p class="small muted">References given by the feed, shown as text and not verified: copy them into a browser only if you trust them.</p><ul class="plain">${feedRefs
        .map((r) => `<li>${code(r)}</li>`)
        .join('')}</ul>`,
    );
  }
  if (refParts.length) {
    toc.push({ id: 'context', label: doc.profile ? 'ATT&CK & references' : 'References' });
    body.push(`<section id="context" aria-labelledby="context-h">
<h2 id="context-h">${doc.profile ? 'Hunting notes, ATT&amp;CK and references' : 'References'}</h2>
${refParts.join('\n')}
</section>`);
  }

  return renderPage({
    title: `${family.name}: hunt pack`,
    home: { href: ownHref('../index.html'), label: 'All families' },
    toc,
    body: body.join('\n'),
    footer: `Generated by huntpack ${escLine(doc.generator.version)}${doc.generatedAt ? ` at ${escLine(doc.generatedAt)}` : ''} · hunt pack schema ${doc.schemaVersion} · same data as <code>README.md</code> and <code>pack.json</code> in this folder`,
  });
}
