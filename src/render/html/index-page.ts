/**
 * DIR/index.html: every family with counts and a link to its report.html, how IOCs were selected (run.policy), the
 * inputs, the IOCs not hunted, the rejected records and warnings. Feed strings are escaped text, never links.
 */
import type { Knowledge } from '../../knowledge/load.js';
import type { PackOverview, RunDocument } from '../../build.js';
import type { IocType } from '../../model/ioc.js';
import { defang } from '../defang.js';
import { timelineChart, typeStack } from './charts.js';
import { code, day, esc, escLine, num, ownHref, plural, table } from './html.js';
import { renderPage, type TocEntry } from './page.js';

function typeLabel(k: Knowledge, t: string, n = 1): string {
  const info = k.iocTypes[t];
  return info ? (n === 1 ? info.label : info.plural) : t;
}

function filterBox(tableId: string, placeholder: string): string {
  return `<div class="filter" data-filter="${esc(tableId)}" hidden><input type="search" placeholder="${esc(placeholder)}" aria-label="${esc(placeholder)}" autocomplete="off" spellcheck="false"><output aria-live="polite"></output></div>`;
}

/** Render the index.html of a build. */
export function renderIndexHtml(k: Knowledge, run: RunDocument, packs: readonly PackOverview[]): string {
  const toc: TocEntry[] = [];
  const body: string[] = [];
  const total = packs.reduce((n, p) => n + p.stats.total, 0);
  const queries = packs.reduce((n, p) => n + p.queryCount, 0);
  const flagged = packs.reduce((n, p) => n + p.stats.flagged, 0);

  body.push(`<header class="page-head">
<p class="eyebrow">huntpack build</p>
<h1>Hunt packs</h1>
<p class="sub">${plural(packs.length, 'malware family', 'malware families')} · ${plural(total, 'IOC', 'IOCs')} · ${plural(queries, 'hunting query', 'hunting queries')} for Microsoft Sentinel and Defender XDR${run.generatedAt ? ` · generated ${escLine(run.generatedAt)}` : ''}</p>
</header>`);
  const cards: [string, number][] = [
    ['Families', packs.length],
    ['IOCs hunted', total],
    ['Queries', queries],
    ['Flagged', flagged],
    ['Not hunted', run.droppedCount],
    ['Rejected records', run.rejected.length],
  ];

  toc.push({ id: 'families', label: 'Families', count: packs.length });
  body.push(`<section id="families" aria-labelledby="families-h">
<h2 id="families-h">Families</h2>
<div class="cards">${cards.map(([key, v]) => `<div class="card"><div class="k">${esc(key)}</div><div class="v">${v}</div></div>`).join('')}</div>
<p class="muted small">Open a family for its summary, IOC table, queries with copy buttons, data connectors and false-positive scenarios.</p>
${
  packs.length
    ? table({
        cls: 'families',
        head: ['Family', 'IOC types', { text: 'IOCs', cls: 'num' }, { text: 'Queries', cls: 'num' }, { text: 'First seen', cls: 'nowrap' }, { text: 'Last seen', cls: 'nowrap' }, { text: 'Flagged', cls: 'num' }, { text: 'Not hunted', cls: 'num' }],
        rows: packs.map((p) => ({
          cells: [
            `<a href="${esc(ownHref(`${p.family.slug}/report.html`))}"><strong>${escLine(p.family.name)}</strong></a><br><span class="muted small">${code(p.family.id)}</span>`,
            `${Object.entries(p.stats.byType)
              .map(([t, n]) => `${escLine(typeLabel(k, t, n ?? 0))} ${n}`)
              .join(', ')}${typeStack(p.stats.byType, (t, n) => typeLabel(k, t, n))}`,
            num(p.stats.total),
            num(p.queryCount),
            { html: esc(day(p.stats.firstSeen)), cls: 'nowrap' },
            { html: esc(day(p.stats.lastSeen)), cls: 'nowrap' },
            num(p.stats.flagged),
            num(p.stats.dropped),
          ],
        })),
      })
    : '<p class="muted">The feeds held no IOC.</p>'
}
</section>`);

  toc.push({ id: 'timeline', label: 'Timeline' });
  body.push(`<section id="timeline" aria-labelledby="timeline-h">
<h2 id="timeline-h">IOC timeline</h2>
<p class="muted small">When the feed first saw each hunted IOC, across all families, stacked by IOC type.</p>
${timelineChart(packs.flatMap((p) => p.timeline), (t, n) => typeLabel(k, t, n))}
</section>`);

  const pol = run.policy;
  toc.push({ id: 'policy', label: 'How IOCs were selected' });
  const byCode = Object.entries(run.droppedByCode);
  body.push(`<section id="policy" aria-labelledby="policy-h">
<h2 id="policy-h">How IOCs were selected</h2>
<dl class="facts">
<dt>Expiry evaluated at</dt><dd>${esc(pol.asOf ? pol.asOf.slice(0, 10) : 'no date')} <span class="muted">(${escLine(pol.asOfSource)})</span></dd>
<dt>Time-to-live</dt><dd>${Object.entries(pol.ttlDays)
    .map(([c, d]) => `${escLine(c)} ${esc(String(d))} days`)
    .join(' · ')}</dd>
<dt>Minimum confidence</dt><dd>${pol.minConfidence === null ? 'none' : esc(String(pol.minConfidence))}</dd>
<dt>Warninglists</dt><dd>${pol.warninglists.length ? `${pol.warninglists.length} bundled lists (<code>data/warninglists/</code>)<br><span class="chips">${pol.warninglists.map((w) => `<span class="chip">${escLine(w)}</span>`).join('')}</span>` : 'off'}</dd>
<dt>Allowlists</dt><dd>${pol.allowlists.length ? pol.allowlists.map((a) => code(a)).join(', ') : 'none'}</dd>
<dt>Not hunted</dt><dd>${plural(run.droppedCount, 'IOC', 'IOCs')}${byCode.length ? ': ' + byCode.map(([c, n]) => `${code(c)} ${n}`).join(' · ') : ''}</dd>
</dl>
</section>`);

  toc.push({ id: 'inputs', label: 'Inputs', count: run.inputs.length });
  body.push(`<section id="inputs" aria-labelledby="inputs-h">
<h2 id="inputs-h">Inputs</h2>
${table({
  head: ['File', 'Format', { text: 'Records', cls: 'num' }, { text: 'Accepted', cls: 'num' }, { text: 'Rejected', cls: 'num' }],
  rows: run.inputs.map((i) => ({ cells: [code(i.file), escLine(i.format), num(i.records), num(i.accepted), num(i.rejected)] })),
})}
</section>`);

  if (run.dropped.length) {
    const slugOf = new Map(packs.map((p) => [p.family.id, p.family.slug]));
    const nameOf = new Map(packs.map((p) => [p.family.id, p.family.name]));
    toc.push({ id: 'dropped', label: 'Not hunted', count: run.droppedCount });
    body.push(`<section id="dropped" aria-labelledby="dropped-h">
<h2 id="dropped-h">IOCs not hunted</h2>
<p>Left out of the queries by the policy above; each is also listed in its family's report.${run.dropped.length < run.droppedCount ? ` The table shows the first ${run.dropped.length.toLocaleString('en-US')} of ${run.droppedCount.toLocaleString('en-US')}.` : ''}</p>
${filterBox('dropped-table', 'Filter: value, family, reason…')}
${table({
  id: 'dropped-table',
  scroll: run.dropped.length > 25,
  head: ['Family', 'Type', 'Value', 'Reason', 'Code', 'List'],
  rows: run.dropped.map((d) => {
    const slug = slugOf.get(d.family);
    return {
      attrs: `data-value="${escLine(d.value)}"`,
      cells: [
        slug ? `<a href="${esc(ownHref(`${slug}/report.html`))}#excluded">${escLine(nameOf.get(d.family) ?? d.family)}</a>` : escLine(d.family),
        { html: escLine(typeLabel(k, d.type)), cls: 'nowrap' },
        { html: `<code>${escLine(defang({ type: d.type as IocType, value: d.value, ...(d.port !== undefined ? { port: d.port } : {}) }))}</code>`, cls: 'value' },
        escLine(d.reason),
        { html: code(d.code), cls: 'nowrap' },
        { html: escLine(d.list), cls: 'nowrap' },
      ],
    };
  }),
})}
<p class="empty" id="dropped-table-empty" hidden>No IOC matches the filter.</p>
</section>`);
  }

  toc.push({ id: 'rejected', label: 'Rejected records', count: run.rejected.length });
  body.push(`<section id="rejected" aria-labelledby="rejected-h">
<h2 id="rejected-h">Rejected records</h2>
${
  run.rejected.length
    ? `<p>These records were not turned into IOCs; the rest of the feed was built. Values are shown exactly as the feed gave them, as text.</p>
${filterBox('rejected-table', 'Filter: value, reason, location…')}
${table({
  id: 'rejected-table',
  scroll: run.rejected.length > 25,
  head: ['File', 'Where', 'Value', 'Reason'],
  rows: run.rejected.map((r) => ({ cells: [code(r.file), { html: escLine(r.location), cls: 'nowrap' }, { html: `<code>${escLine(r.value)}</code>`, cls: 'value' }, escLine(r.reason)] })),
})}
<p class="empty" id="rejected-table-empty" hidden>No record matches the filter.</p>`
    : '<p class="muted">Every record of the feeds was valid.</p>'
}
</section>`);

  if (run.warnings.length) {
    toc.push({ id: 'warnings', label: 'Warnings', count: run.warnings.length });
    body.push(`<section id="warnings" aria-labelledby="warnings-h">
<h2 id="warnings-h">Warnings</h2>
<ul class="plain">${run.warnings.map((w) => `<li>${code(w.file)} ${escLine(w.location)}: ${escLine(w.message)}</li>`).join('')}</ul>
</section>`);
  }

  return renderPage({
    title: 'Hunt packs',
    toc,
    body: body.join('\n'),
    footer: `Generated by huntpack ${escLine(run.generator.version)}${run.generatedAt ? ` at ${escLine(run.generatedAt)}` : ''} · same data as <code>index.md</code> and <code>run.json</code> in this folder`,
  });
}
