/**
 * Charts drawn as inline SVG and CSS bars, generated here (no chart library): the first-seen timeline stacked by IOC
 * type, horizontal count bars and a small stacked type bar. Deterministic: integer arithmetic and fixed decimals only.
 */
import { IOC_TYPES, type IocType } from '../../model/ioc.js';
import { esc, escLine } from './html.js';

const DAY_MS = 86_400_000;

function dayNumber(iso: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return null;
  return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS);
}

function isoDay(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** A step of 1, 2 or 5 × 10^k giving at most 5 ticks up to max. */
function niceStep(max: number): number {
  const raw = Math.max(1, max / 4);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

interface Bucket {
  readonly label: string;
  readonly title: string;
  readonly counts: Map<IocType, number>;
}

/**
 * IOCs by first-seen date, stacked by type: one bar per day (per week beyond 92 days, per month beyond two years).
 * `labelOf` names a type for tooltips and the legend.
 */
export function timelineChart(items: readonly { readonly type: IocType; readonly firstSeen: string; readonly count?: number }[], labelOf: (t: IocType, n: number) => string): string {
  const dated = items.map((i) => ({ type: i.type, d: dayNumber(i.firstSeen), n: i.count ?? 1 })).filter((x): x is { type: IocType; d: number; n: number } => x.d !== null);
  if (dated.length === 0) return '<p class="muted">No dated IOC to chart.</p>';
  let min = Infinity;
  let max = -Infinity;
  for (const x of dated) {
    if (x.d < min) min = x.d;
    if (x.d > max) max = x.d;
  }
  const span = max - min + 1;
  const unit: 'day' | 'week' | 'month' = span <= 92 ? 'day' : span <= 730 ? 'week' : 'month';
  const monthIndex = (d: number): number => {
    const dt = new Date(d * DAY_MS);
    return dt.getUTCFullYear() * 12 + dt.getUTCMonth();
  };
  const indexOf = (d: number): number => (unit === 'day' ? d - min : unit === 'week' ? Math.floor((d - min) / 7) : monthIndex(d) - monthIndex(min));
  const count = indexOf(max) + 1;
  const buckets: Bucket[] = [];
  for (let i = 0; i < count; i++) {
    let label: string;
    let title: string;
    if (unit === 'day') {
      title = isoDay(min + i);
      label = title.slice(5);
    } else if (unit === 'week') {
      title = `week of ${isoDay(min + 7 * i)}`;
      label = isoDay(min + 7 * i).slice(5);
    } else {
      const m = monthIndex(min) + i;
      title = `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
      label = title;
    }
    buckets.push({ label, title, counts: new Map() });
  }
  for (const x of dated) {
    const b = buckets[indexOf(x.d)]!;
    b.counts.set(x.type, (b.counts.get(x.type) ?? 0) + x.n);
  }
  const types = IOC_TYPES.filter((t) => dated.some((x) => x.type === t));
  const peak = Math.max(...buckets.map((b) => [...b.counts.values()].reduce((a, n) => a + n, 0)));
  const step = niceStep(peak);
  const top = Math.ceil(peak / step) * step;

  const W = 880;
  const H = 230;
  const ml = 38;
  const mr = 10;
  const mt = 12;
  const mb = 24;
  const pw = W - ml - mr;
  const ph = H - mt - mb;
  const bw = pw / count;
  const gap = Math.min(6, bw * 0.22);
  const y = (v: number): number => mt + ph - (v / top) * ph;
  const parts: string[] = [];
  for (let v = 0; v <= top; v += step) {
    parts.push(`<line class="grid" x1="${ml}" x2="${W - mr}" y1="${fmt(y(v))}" y2="${fmt(y(v))}"/>`);
    parts.push(`<text x="${ml - 6}" y="${fmt(y(v) + 4)}" text-anchor="end">${v}</text>`);
  }
  parts.push(`<line class="axis" x1="${ml}" x2="${W - mr}" y1="${fmt(y(0))}" y2="${fmt(y(0))}"/>`);
  const labelWidth = unit === 'month' ? 54 : 42;
  const labelEvery = Math.max(1, Math.ceil(labelWidth / bw));
  const lastLabeled = Math.floor((count - 1) / labelEvery) * labelEvery;
  buckets.forEach((b, i) => {
    const w = Math.min(Math.max(1, bw - gap), 36);
    const x = ml + i * bw + (bw - w) / 2;
    let acc = 0;
    const total = [...b.counts.values()].reduce((a, n) => a + n, 0);
    for (const t of types) {
      const n = b.counts.get(t) ?? 0;
      if (!n) continue;
      const y1 = y(acc + n);
      const h = y(acc) - y1;
      parts.push(
        `<rect class="t-${t}" x="${fmt(x)}" y="${fmt(y1)}" width="${fmt(w)}" height="${fmt(h)}"><title>${esc(`${b.title}: ${n} ${labelOf(t, n)} (${total} in all)`)}</title></rect>`,
      );
      acc += n;
    }
    if (i % labelEvery === 0 || (i === count - 1 && (i - lastLabeled) * bw >= labelWidth)) {
      parts.push(`<text x="${fmt(ml + i * bw + bw / 2)}" y="${H - mb + 16}" text-anchor="middle">${esc(b.label)}</text>`);
    }
  });
  const first = buckets[0]!.title;
  const last = buckets[count - 1]!.title;
  const caption = `${dated.length} IOC${dated.length === 1 ? '' : 's'} by first-seen ${unit}, ${first === last ? first : `${first} to ${last}`}`;
  const legend = `<ul class="legend">${types.map((t) => `<li><span class="sw t-${t}"></span>${escLine(labelOf(t, 2))} ${dated.filter((x) => x.type === t).length}</li>`).join('')}</ul>`;
  return `<figure class="chart">${legend}<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(caption)}" xmlns="http://www.w3.org/2000/svg"><title>${esc(caption)}</title>${parts.join('')}</svg><figcaption>${esc(`Per ${unit} (UTC), ${first.replace('week of ', '')}${first === last ? '' : ` to ${last.replace('week of ', '')}`}`)}</figcaption></figure>`;
}

/** Horizontal bars: label, a bar proportional to the count, the count and share. Labels must already be markup. */
export function barTable(rows: readonly { readonly labelHtml: string; readonly n: number; readonly cls?: string }[], caption: string): string {
  if (rows.length === 0) return '<p class="muted">None.</p>';
  const max = Math.max(...rows.map((r) => r.n));
  const total = rows.reduce((a, r) => a + r.n, 0);
  const body = rows
    .map((r) => {
      const pct = max ? (r.n / max) * 100 : 0;
      const share = total ? ((r.n / total) * 100).toFixed(0) : '0';
      return `<tr><td class="label">${r.labelHtml}</td><td class="bar"><span class="bar-track"><span class="bar-box"><span class="bar-fill${r.cls ? ' ' + esc(r.cls) : ''}" style="width:${pct.toFixed(1)}%"></span></span><span class="bar-n">${r.n} · ${share}%</span></span></td></tr>`;
    })
    .join('');
  return `<table class="bars"><caption class="small">${esc(caption)}</caption><tbody>${body}</tbody></table>`;
}

/** A compact stacked bar of counts by IOC type (for the index table). */
export function typeStack(byType: Readonly<Partial<Record<IocType, number>>>, labelOf: (t: IocType, n: number) => string): string {
  const entries = IOC_TYPES.filter((t) => (byType[t] ?? 0) > 0).map((t) => [t, byType[t]!] as const);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  if (!total) return '';
  return `<span class="stack" aria-hidden="true">${entries.map(([t, n]) => `<span class="t-${t}" style="width:${((n / total) * 100).toFixed(1)}%" title="${esc(`${n} ${labelOf(t, n)}`)}"></span>`).join('')}</span>`;
}
