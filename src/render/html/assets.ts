/**
 * The inline stylesheet and script of the HTML report. Both are constants: the page embeds them verbatim and the
 * Content-Security-Policy allows exactly this script by its SHA-256 hash. No data is ever interpolated into SCRIPT.
 */
import { createHash } from 'node:crypto';
import { IOC_TYPES, type IocType } from '../../model/ioc.js';

/** Chart colour of each IOC type (colour-blind-friendly palette, readable on white). */
export const TYPE_COLORS: Readonly<Record<IocType, string>> = {
  domain: '#4e79a7',
  url: '#f28e2b',
  ipv4: '#59a14f',
  ipv6: '#76b7b2',
  md5: '#b07aa1',
  sha1: '#9c755f',
  sha256: '#e15759',
  'sha3-384': '#8c8c8c',
  email: '#d4a017',
};

const TYPE_CSS = IOC_TYPES.map((t) => `.t-${t}{fill:${TYPE_COLORS[t]};background:${TYPE_COLORS[t]}}`).join('\n');

export const CSS = `:root{--fg:#1f2328;--muted:#59636e;--faint:#818b98;--border:#d1d9e0;--line:#e6eaef;--bg:#fff;--soft:#f6f8fa;--accent:#0a58b4;--accent-soft:#ddf4ff;--warn:#7d4e00;--warn-bg:#fff8c5;--ok:#1a7f37;--bad:#b42318;--bad-bg:#ffebe9;--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;scroll-padding-top:1rem}
body{margin:0;color:var(--fg);background:var(--bg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif;font-variant-numeric:tabular-nums}
a{color:var(--accent);text-decoration-thickness:1px;text-underline-offset:2px}
a:hover{text-decoration-thickness:2px}
code,pre{font-family:var(--mono);font-size:.86em}
:not(pre)>code{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:.05em .3em;overflow-wrap:break-word}
h1,h2,h3,h4{line-height:1.25;margin:0}
h1{font-size:1.9rem;font-weight:650;letter-spacing:-.01em;overflow-wrap:anywhere}
h2{font-size:1.3rem;font-weight:650;padding-bottom:.4rem;border-bottom:1px solid var(--border);margin:0 0 1rem}
h3{font-size:1.05rem;font-weight:650;margin:1.5rem 0 .6rem}
h4{font-size:.98rem;font-weight:600;overflow-wrap:anywhere}
p{margin:.5rem 0}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem}
.layout{display:grid;grid-template-columns:15.5rem minmax(0,1fr);max-width:96rem;margin:0 auto}
.toc{position:sticky;top:0;align-self:start;height:100vh;overflow:auto;padding:1.75rem 1rem 2rem 1.5rem;border-right:1px solid var(--line);font-size:.875rem}
.toc .home{display:inline-block;margin-bottom:1.25rem;font-weight:600;text-decoration:none}
.toc .home:hover{text-decoration:underline}
.toc-title{font-size:.72rem;font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:var(--muted);margin:0 0 .5rem}
.toc ol{list-style:none;margin:0;padding:0}
.toc ol ol{padding-left:.85rem;margin:.1rem 0 .3rem}
.toc a{display:block;padding:.22rem .55rem;border-radius:6px;color:var(--fg);text-decoration:none;border-left:2px solid transparent}
.toc a:hover{background:var(--soft)}
.toc a[aria-current="true"]{background:var(--accent-soft);color:var(--accent);font-weight:600}
.toc .count{color:var(--faint);font-weight:400}
main{min-width:0;padding:1.75rem 2.75rem 5rem;max-width:78rem}
.page-head{margin-bottom:1.75rem}
.eyebrow{font-size:.75rem;font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:var(--muted);margin:0 0 .35rem}
.sub{color:var(--muted);margin:.45rem 0 0}
section{margin:0 0 2.75rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(7.75rem,1fr));gap:.75rem;margin:1.25rem 0}
.card{border:1px solid var(--border);border-radius:8px;padding:.65rem .85rem;background:var(--bg)}
.card .k{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;font-weight:600}
.card .v{font-size:1.35rem;font-weight:650;margin-top:.1rem;white-space:nowrap}
.card .v.small{font-size:1rem;padding-top:.3rem}
.lede{font-size:1rem;max-width:62rem}
.muted{color:var(--muted)}
.small{font-size:.85rem}
.chips{display:inline-flex;flex-wrap:wrap;gap:.3rem;vertical-align:middle}
.chip{display:inline-block;border:1px solid var(--border);background:var(--soft);border-radius:10px;padding:0 .55rem;font-size:.8rem;line-height:1.6;max-width:100%;overflow-wrap:break-word;vertical-align:top}
.flag{background:var(--warn-bg);border-color:#e3c567;color:var(--warn)}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.75rem;font-weight:600;line-height:1.6;background:var(--soft);border:1px solid var(--border);color:var(--muted);white-space:nowrap}
.badge.sentinel{background:#e8f1fb;border-color:#b6d3f2;color:#0a4f9c}
.badge.defender{background:#eef7ee;border-color:#b7dcb9;color:#1a5e2a}
.badge.high{background:#eef7ee;border-color:#b7dcb9;color:#1a5e2a}
.badge.medium{background:#fff8e1;border-color:#ecd38a;color:#7d4e00}
.badge.low{background:#f6f8fa;color:#59636e}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1.25rem;margin:1rem 0;font-size:.93rem}
.facts dt{color:var(--muted);font-weight:600}
.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;border:1px solid var(--border);border-radius:8px;margin:.75rem 0 1rem}
.table-wrap.scroll{max-height:70vh;overflow:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;padding:.5rem .75rem;color:var(--muted);font-size:.85rem}
th,td{padding:.45rem .75rem;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
thead th{position:sticky;top:0;z-index:1;background:var(--soft);font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:650;white-space:nowrap;border-bottom:1px solid var(--border)}
tbody tr:last-child td{border-bottom:0}
tbody tr:hover td{background:#fafbfc}
td.num,th.num{text-align:right;white-space:nowrap}
td.nowrap{white-space:nowrap}
td code{overflow-wrap:normal}
.overview td:nth-child(2),.tables td:first-child{white-space:nowrap}
.families td:first-child{min-width:11rem}
td.value{min-width:16rem}
td.value code{background:none;border:0;padding:0;font-size:.85rem;word-break:break-all}
.ids{display:block;color:var(--faint);font-size:.78rem;margin-top:.1rem}
.filter{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem .75rem;margin:.75rem 0 0}
.filter input,.filter select{font:inherit;font-size:.9rem;padding:.38rem .6rem;border:1px solid var(--border);border-radius:6px;background:#fff;color:var(--fg)}
.filter input{flex:1 1 18rem;max-width:30rem}
.filter input:focus,.filter select:focus,button:focus-visible,a:focus-visible{outline:2px solid var(--accent);outline-offset:1px}
.filter output{color:var(--muted);font-size:.85rem}
.empty{padding:.75rem;color:var(--muted);font-style:italic;margin:0}
.legend{display:flex;flex-wrap:wrap;gap:.35rem 1rem;font-size:.85rem;color:var(--muted);margin:.25rem 0 .5rem;padding:0;list-style:none}
.legend li{display:inline-flex;align-items:center;gap:.35rem}
.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:2px}
.chart{margin:0;border:1px solid var(--border);border-radius:8px;padding:.75rem .75rem .25rem}
.chart svg{display:block;width:100%;height:auto}
.chart figcaption{font-size:.8rem;color:var(--muted);padding:.15rem 0 .4rem}
.chart text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;fill:var(--muted)}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .axis{stroke:var(--border);stroke-width:1}
.split{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1.5rem}
.bars{width:100%}
.bars td{border:0;padding:.3rem .5rem}
.bars td.label{width:40%;overflow-wrap:anywhere}
.bars td.bar{width:60%}
.bar-track{display:grid;grid-template-columns:minmax(0,1fr) 4.75rem;align-items:center;gap:.6rem}
.bar-box{display:block;height:.8rem}
.bar-fill{display:block;height:100%;border-radius:2px;min-width:2px;background:#5b7fa6}
.bar-n{font-size:.85rem;color:var(--muted);white-space:nowrap}
.bars caption{padding:0 .5rem .35rem;font-size:.82rem}
.stack{display:flex;height:.55rem;width:8rem;border-radius:2px;overflow:hidden;background:var(--line);margin-top:.3rem}
.stack span{display:block;height:100%}
.query{border:1px solid var(--border);border-radius:8px;margin:0 0 1.1rem;background:var(--bg);break-inside:avoid}
.query-head{display:flex;gap:1rem;align-items:flex-start;justify-content:space-between;padding:.75rem .9rem .5rem}
.query-head .meta{margin:.3rem 0 0;color:var(--muted);font-size:.84rem}
.query .desc{padding:0 .9rem;margin:0 0 .6rem;font-size:.9rem}
.query .file{padding:.35rem .9rem .55rem;margin:0;font-size:.8rem;color:var(--muted);border-top:1px solid var(--line)}
pre.code{margin:0;padding:.8rem .9rem;background:#f6f8fa;border-top:1px solid var(--line);overflow:auto;max-height:26rem;line-height:1.5;tab-size:4;white-space:pre}
pre.code code{font-size:.82rem;color:#1f2328}
.fp pre.code{border:1px solid var(--line);border-radius:6px}
button.copy{flex:none;font:inherit;font-size:.82rem;font-weight:600;padding:.32rem .75rem;border:1px solid var(--border);border-radius:6px;background:var(--soft);color:var(--fg);cursor:pointer;white-space:nowrap}
button.copy:hover{background:#eef1f4;border-color:#b8c1cc}
button.copy.ok{background:#dafbe1;border-color:#8fd19e;color:var(--ok)}
button.copy.fail{background:var(--warn-bg);border-color:#e3c567;color:var(--warn)}
.note{border-left:3px solid var(--accent);background:#f3f8fe;padding:.6rem .9rem;border-radius:0 6px 6px 0;margin:.75rem 0 1rem;font-size:.92rem}
.query .note{margin:0 .9rem .7rem}
.note.warn{border-left-color:#d4a017;background:#fffbea}
.fp{margin:0 0 1.5rem}
.fp-head{display:flex;gap:1rem;justify-content:space-between;align-items:flex-start;margin:1.25rem 0 .35rem}
.fp-head h3{margin:0}
.overview td a{white-space:nowrap}
ul.plain{padding-left:1.2rem;margin:.5rem 0}
ul.plain li{margin:.25rem 0;overflow-wrap:anywhere}
.attack{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.5rem;list-style:none;padding:0;margin:.75rem 0}
.attack li{border:1px solid var(--border);border-radius:6px;padding:.45rem .7rem;font-size:.9rem}
.attack code{margin-right:.35rem}
footer{margin-top:3rem;padding-top:1rem;border-top:1px solid var(--line);color:var(--faint);font-size:.82rem}
${TYPE_CSS}
@media (max-width:64rem){
.layout{display:block}
.toc{position:sticky;top:0;z-index:5;height:auto;max-height:40vh;background:rgba(255,255,255,.97);border-right:0;border-bottom:1px solid var(--border);padding:.5rem 1rem}
.toc .home{margin:0 1rem 0 0}
.toc-title{display:none}
.toc ol{display:flex;flex-wrap:wrap;gap:0 .25rem}
.toc ol ol{display:none}
.toc>div{display:flex;flex-wrap:wrap;align-items:center}
main{padding:1.25rem 1.25rem 4rem}
html{scroll-padding-top:5rem}
}
@media print{
@page{margin:14mm}
body{font-size:10.5pt}
.toc,.filter,button.copy,.skip,.empty{display:none!important}
.layout{display:block}
main{padding:0;max-width:none}
section{break-inside:auto}
h2,h3,h4{break-after:avoid}
.table-wrap,.table-wrap.scroll{max-height:none;overflow:visible;border-color:#999}
thead th{position:static}
tr[hidden]{display:table-row!important}
tr{break-inside:avoid}
pre.code{max-height:none;overflow:visible;white-space:pre-wrap;word-break:break-all;background:#fff}
table{font-size:8.5pt}
th,td{padding:.3rem .45rem}
td.value{min-width:12rem}
th.flags,td.flags{display:none}
.chip{font-size:7.5pt;padding:0 .35rem}
td.nowrap{white-space:normal}
.overview td:nth-child(2),.tables td:first-child{white-space:normal}
td code{overflow-wrap:anywhere}
.overview th:nth-child(n+5),.overview td:nth-child(n+5){display:none}
.cards{grid-template-columns:repeat(4,1fr)}
.card .v{font-size:1.05rem}
.query,.card,.chart{border-color:#999}
a{color:inherit}
.refs a[href]::after{content:" <" attr(href) ">";color:#555;font-size:.85em;word-break:break-all}
.sw,.bar-fill,.stack span,.badge,.chip{print-color-adjust:exact;-webkit-print-color-adjust:exact}
}
`;

/** The page script: table filters, copy buttons and the table-of-contents highlight. Reads only the DOM. */
export const SCRIPT = `(function () {
  'use strict';
  function norm(s) {
    return String(s).toLowerCase()
      .replace(/\\[\\.\\]/g, '.').replace(/\\[@\\]/g, '@').replace(/\\bhxxp/g, 'http').replace(/\\bfxp:/g, 'ftp:')
      .replace(/\\s+/g, ' ');
  }
  Array.prototype.forEach.call(document.querySelectorAll('[data-filter]'), function (box) {
    var tbl = document.getElementById(box.getAttribute('data-filter'));
    if (!tbl || !tbl.tBodies[0]) return;
    var input = box.querySelector('input');
    var select = box.querySelector('select');
    var out = box.querySelector('output');
    var empty = document.getElementById(box.getAttribute('data-filter') + '-empty');
    var rows = Array.prototype.map.call(tbl.tBodies[0].rows, function (tr) {
      return { tr: tr, text: norm((tr.textContent || '') + ' ' + (tr.getAttribute('data-value') || '')), type: tr.getAttribute('data-type') || '' };
    });
    function apply() {
      var terms = norm(input.value).trim().split(' ').filter(Boolean);
      var type = select ? select.value : '';
      var shown = 0;
      rows.forEach(function (r) {
        var ok = (!type || r.type === type) && terms.every(function (t) { return r.text.indexOf(t) !== -1; });
        r.tr.hidden = !ok;
        if (ok) shown++;
      });
      if (out) out.textContent = shown === rows.length ? rows.length + (rows.length === 1 ? ' row' : ' rows') : shown + ' of ' + rows.length + ' rows';
      if (empty) empty.hidden = shown !== 0;
    }
    input.addEventListener('input', apply);
    if (select) select.addEventListener('change', apply);
    box.hidden = false;
    apply();
  });

  function fallbackCopy(text) {
    var ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.top = '0';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(ta);
    return ok;
  }
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    if (sel) { sel.removeAllRanges(); sel.addRange(range); }
  }
  Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), function (btn) {
    var label = btn.textContent;
    var timer = 0;
    function done(ok, el) {
      btn.classList.remove('ok', 'fail');
      btn.classList.add(ok ? 'ok' : 'fail');
      btn.textContent = ok ? 'Copied' : 'Press Ctrl+C';
      if (!ok && el) selectText(el);
      clearTimeout(timer);
      timer = setTimeout(function () { btn.textContent = label; btn.classList.remove('ok', 'fail'); }, 2000);
    }
    btn.addEventListener('click', function () {
      var el = document.getElementById(btn.getAttribute('data-copy'));
      if (!el) return;
      var text = el.textContent;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(true, el); }, function () { done(fallbackCopy(text), el); });
      } else {
        done(fallbackCopy(text), el);
      }
    });
  });

  var links = Array.prototype.filter.call(document.querySelectorAll('.toc a[href^="#"]'), function (a) {
    return document.getElementById(a.getAttribute('href').slice(1));
  });
  if ('IntersectionObserver' in window && links.length) {
    var current = null;
    var visible = {};
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { visible[e.target.id] = e.isIntersecting; });
      var first = null;
      for (var i = 0; i < links.length; i++) {
        if (visible[links[i].getAttribute('href').slice(1)]) { first = links[i]; break; }
      }
      if (first && first !== current) {
        if (current) current.removeAttribute('aria-current');
        first.setAttribute('aria-current', 'true');
        current = first;
      }
    }, { rootMargin: '0px 0px -60% 0px' });
    links.forEach(function (a) { observer.observe(document.getElementById(a.getAttribute('href').slice(1))); });
  }
})();`;

/** `sha256-…` source expression of SCRIPT for the Content-Security-Policy. */
export function scriptHash(script: string = SCRIPT): string {
  return `sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}`;
}

/** The page's Content-Security-Policy: nothing loads or runs but the inline stylesheet and this exact script. */
export function contentSecurityPolicy(script: string = SCRIPT): string {
  return `default-src 'none'; style-src 'unsafe-inline'; script-src '${scriptHash(script)}'; img-src data:; base-uri 'none'; form-action 'none'`;
}
