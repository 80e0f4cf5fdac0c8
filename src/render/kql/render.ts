/**
 * The one KQL renderer: Hunt (IR) → query text. No query text is assembled anywhere else.
 * Each predicate kind renders as pipeline stages whose meaning equals the evaluator's (src/hunt/evaluate.ts);
 * prefilters (`has_any`, `in`) are added only where every row that satisfies the predicate also passes them, and only
 * while the list stays within `has_any`'s 10,000-value limit (a longer list would be silently cut).
 */
import type { FunctionArg, Hunt, Predicate, ValueSet } from '../../hunt/ir.js';
import { HOST_PATTERN, URL_PATTERN, urlKey, urlKeyHost } from '../../hunt/semantics.js';
import { predicateSets } from '../../hunt/plan.js';
import { kqlCommentText, kqlIdentifier, kqlString } from './escape.js';

/** `has_any` considers at most this many values; above it the prefilter is left out (the exact check still runs). */
export const HAS_ANY_MAX = 10_000;

/** Header lines written as `//` comments above the query. */
export interface KqlHeader {
  readonly lines: readonly string[];
}

function findSet(hunt: Hunt, name: string): ValueSet {
  const set = hunt.sets.find((s) => s.name === name);
  if (!set) throw new Error(`hunt ${hunt.id}: unknown value set ${name}`);
  return set;
}

function dynamicList(values: readonly string[]): string {
  if (values.length === 0) return 'dynamic([])';
  return `dynamic([\n${values.map((v) => '    ' + kqlString(v)).join(',\n')}\n])`;
}

/** A watchlist's values: `SearchKey`, with the leading `'` that guards against spreadsheet formulas removed. */
const WATCHLIST_VALUE = `iff(SearchKey startswith "'", substring(SearchKey, 1), SearchKey)`;

function watchlistOf(hunt: Hunt, set: ValueSet): string | undefined {
  return hunt.watchlists?.[set.name] ?? hunt.listUrls?.[set.name];
}

/**
 * The table a set's values are read from when they are not inline: the Sentinel watchlist, or the same CSV over HTTPS
 * with `externaldata`; `ip`/`port` name the endpoint columns in it.
 */
function listSource(hunt: Hunt, set: ValueSet): { table: string; ip: string; port: string } | undefined {
  const alias = hunt.watchlists?.[set.name];
  if (alias !== undefined) return { table: `_GetWatchlist(${kqlString(alias)})`, ip: 'tostring(WatchlistItem.Ip)', port: 'toint(WatchlistItem.Port)' };
  const url = hunt.listUrls?.[set.name];
  if (url === undefined) return undefined;
  const columns = set.kind === 'endpoints' ? 'SearchKey:string, Ip:string, Port:int' : 'SearchKey:string';
  return { table: `externaldata(${columns}) [${kqlString(url)}] with (format="csv", ignoreFirstRecord=true)`, ip: 'Ip', port: 'Port' };
}

/** Hosts used as the `has_any` prefilter of a URL set. */
export function urlSetHosts(values: readonly string[]): string[] {
  return [...new Set(values.map((u) => urlKeyHost(urlKey(u))).filter((h) => h !== ''))].sort();
}

/** May a `has_any` prefilter over this set be emitted? */
function prefilterable(hunt: Hunt, set: ValueSet, count = set.values.length): boolean {
  return watchlistOf(hunt, set) === undefined && count <= HAS_ANY_MAX;
}

/** `let` statements for one value set (and the derived helper sets its predicates need). */
function renderSetLets(hunt: Hunt, set: ValueSet, urlMatch: boolean): string[] {
  const name = kqlIdentifier(set.name);
  const list = listSource(hunt, set);
  const wl = list !== undefined ? list.table : undefined;
  const wlCall = wl ?? '';
  switch (set.kind) {
    case 'domains':
    case 'ips':
    case 'strings':
      return wl !== undefined
        ? [`let ${name} = toscalar(${wlCall} | summarize make_set(${WATCHLIST_VALUE}, 1000000));`]
        : [`let ${name} = ${dynamicList(set.values)};`];
    case 'urls': {
      if (wl !== undefined) {
        return urlMatch
          ? [`let ${name}Keys = ${wlCall}\n    | project IocUrl = ${WATCHLIST_VALUE}\n    | extend UrlKey = UrlKeyOf(IocUrl)\n    | summarize IocUrl = min(IocUrl) by UrlKey;`]
          : [];
      }
      const lets = [`let ${name} = ${dynamicList(set.values)};`];
      if (urlMatch) {
        const hosts = urlSetHosts(set.values);
        if (prefilterable(hunt, set, hosts.length)) lets.push(`let ${name}Hosts = ${dynamicList(hosts)};`);
        lets.push(`let ${name}Keys = print IocUrl = ${name}\n    | mv-expand IocUrl to typeof(string)\n    | extend UrlKey = UrlKeyOf(IocUrl)\n    | summarize IocUrl = min(IocUrl) by UrlKey;`);
      }
      return lets;
    }
    case 'endpoints': {
      if (list !== undefined) return [`let ${name} = ${wlCall}\n    | project IocIp = ${list.ip}, IocPort = ${list.port};`];
      const rows = set.values.map((e) => `    ${kqlString(e.ip)}, ${e.port}`);
      const body = rows.length ? `\n${rows.join(',\n')}\n` : '';
      return [`let ${name} = datatable(IocIp:string, IocPort:int) [${body}];`];
    }
  }
}

/** Does any predicate need the URL key function? */
function usesUrlKey(preds: readonly Predicate[]): boolean {
  return preds.some((p) => p.kind === 'url-equals-any' || (p.kind === 'any' && usesUrlKey(p.of)));
}

const URL_KEY_FUNCTION = [
  '// URL comparison key: lower case; scheme, user info, fragment, trailing dots and ports 80/443 dropped; path defaults to "/".',
  'let UrlKeyOf = (u:string) {',
  `    let UrlParts = @"${URL_PATTERN}";`,
  '    let s = tolower(u);',
  '    let host = extract(UrlParts, 1, s);',
  '    let port = extract(UrlParts, 2, s);',
  '    let rest = extract(UrlParts, 3, s);',
  '    iff(isempty(host), "", strcat(host, iff(port in ("", "80", "443"), "", strcat(":", port)), iff(rest startswith "/", rest, strcat("/", rest))))',
  '};',
];

/** A boolean KQL expression for an expression-kind predicate (usable inside `where` and `not(...)`). */
export function renderExpression(hunt: Hunt | undefined, p: Predicate): string {
  switch (p.kind) {
    case 'equals-any': {
      const rhs = p.set !== undefined ? kqlIdentifier(findSet(requireHunt(hunt), p.set).name) : inlineList(p.values ?? []);
      return `${kqlIdentifier(p.column)} in~ (${rhs})`;
    }
    case 'starts-with-any': {
      if (p.values.length === 0) return 'false';
      const parts = p.values.map((v) => `${kqlIdentifier(p.column)} startswith ${kqlString(v)}`);
      return parts.length === 1 ? parts[0]! : `(${parts.join(' or ')})`;
    }
    case 'contains-any': {
      if (p.values.length === 0) return 'false';
      const parts = p.values.map((v) => `${kqlIdentifier(p.column)} contains ${kqlString(v)}`);
      return parts.length === 1 ? parts[0]! : `(${parts.join(' or ')})`;
    }
    case 'any':
      return p.of.length === 1 ? renderExpression(hunt, p.of[0]!) : `(${p.of.map((q) => renderExpression(hunt, q)).join(' or ')})`;
    case 'all':
      return p.of.length === 1 ? renderExpression(hunt, p.of[0]!) : `(${p.of.map((q) => renderExpression(hunt, q)).join(' and ')})`;
    default:
      throw new Error(`predicate ${p.kind} is not an expression; it cannot be nested in "any" or used as an exclusion`);
  }
}

function requireHunt(hunt: Hunt | undefined): Hunt {
  if (!hunt) throw new Error('a set reference needs a hunt');
  return hunt;
}

function inlineList(values: readonly string[]): string {
  return values.length === 0 ? 'dynamic([])' : values.map(kqlString).join(', ');
}

/** The `case()` that names which value of an equals-any predicate matched. */
function matchedValueExpression(hunt: Hunt, p: Predicate): string {
  const leaves: { column: string; cond: string }[] = [];
  const collect = (q: Predicate): void => {
    if (q.kind === 'any') q.of.forEach(collect);
    else if (q.kind === 'equals-any' || q.kind === 'starts-with-any' || q.kind === 'contains-any') leaves.push({ column: q.column, cond: renderExpression(hunt, q) });
  };
  collect(p);
  if (leaves.length === 1) return `tolower(${leaves[0]!.column})`;
  return `tolower(case(${leaves.map((l) => `${l.cond}, ${l.column}`).join(', ')}, ""))`;
}

function hostExpression(column: string, source: 'url' | 'fqdn'): string {
  const col = kqlIdentifier(column);
  return `trim_end(@"\\.+", ${source === 'fqdn' ? `tolower(${col})` : `tolower(extract(@"${HOST_PATTERN}", 1, ${col}))`})`;
}

/** Pipeline stages (each starting with `| `) for one top-level predicate. The first matcher also sets `MatchedIoc`. */
function renderStages(hunt: Hunt, p: Predicate, first: boolean): string[] {
  const out = first ? 'MatchedIoc' : 'MatchedAlso';
  switch (p.kind) {
    case 'equals-any':
    case 'starts-with-any':
    case 'contains-any':
    case 'all':
    case 'any': {
      const stages = [`| where ${renderExpression(hunt, p)}`];
      if (first) stages.push(`| extend MatchedIoc = ${matchedValueExpression(hunt, p)}`);
      return stages;
    }
    case 'host-in-domains': {
      const set = findSet(hunt, p.set);
      const name = kqlIdentifier(set.name);
      const stages: string[] = [];
      if (prefilterable(hunt, set)) stages.push(`| where ${p.columns.map((c) => `${kqlIdentifier(c.column)} has_any (${name})`).join(' or ')}`);
      // Every suffix of the host at a label boundary (a.b.evil.com, b.evil.com, evil.com) is looked up exactly.
      const suffixCheck = (indent: string, firstPipe: string): string[] => [
        `${indent}${firstPipe}extend HostLabels = split(MatchedHost, ".")`,
        `${indent}| mv-apply LabelIndex = range(0, array_length(HostLabels) - 2, 1) to typeof(long) on (`,
        `${indent}    extend ${out} = strcat_array(array_slice(HostLabels, LabelIndex, -1), ".")`,
        `${indent}    | where ${out} in (${name})`,
        `${indent}    | take 1`,
        `${indent}    )`,
      ];
      if (p.columns.length === 1) {
        const c = p.columns[0]!;
        stages.push(`| extend MatchedHost = ${hostExpression(c.column, c.source)}`, ...suffixCheck('', '| '), `| project-away HostLabels, LabelIndex`);
      } else {
        stages.push(
          `| extend HostCandidates = pack_array(${p.columns.map((c) => hostExpression(c.column, c.source)).join(', ')})`,
          `| mv-apply MatchedHost = HostCandidates to typeof(string) on (`,
          ...suffixCheck('    ', ''),
          `    | take 1`,
          `    )`,
          `| project-away HostCandidates, HostLabels, LabelIndex`,
        );
      }
      return stages;
    }
    case 'url-equals-any': {
      const set = findSet(hunt, p.set);
      const name = kqlIdentifier(set.name);
      const col = kqlIdentifier(p.column);
      const stages: string[] = [];
      if (watchlistOf(hunt, set) === undefined && prefilterable(hunt, set, urlSetHosts(set.values as readonly string[]).length)) stages.push(`| where ${col} has_any (${name}Hosts)`);
      stages.push(
        `| extend UrlKey = UrlKeyOf(${col})`,
        `| lookup kind=inner ${name}Keys on UrlKey`,
        `| extend ${out} = IocUrl`,
        `| project-away UrlKey, IocUrl`,
      );
      return stages;
    }
    case 'ip-port-in':
    case 'ip-in': {
      const name = kqlIdentifier(findSet(hunt, p.set).name);
      const ipCol = kqlIdentifier(p.kind === 'ip-in' ? p.column : p.ipColumn);
      const ipTable = findSet(hunt, p.set).kind === 'endpoints' ? `${name} | project IocIp` : `print IocIp = ${name} | mv-expand IocIp to typeof(string)`;
      const stages = [
        // Exact text equality is enough for dotted IPv4; anything holding ':' may be IPv6 or IPv4-mapped and is compared canonically.
        `| where ${ipCol} in ((${ipTable})) or ${ipCol} contains ":"`,
        `| extend IpKey = parse_ipv6(${ipCol})`,
      ];
      if (p.kind === 'ip-port-in') {
        stages.push(
          `| extend PortKey = toint(${kqlIdentifier(p.portColumn)})`,
          `| lookup kind=inner (${name} | extend IpKey = parse_ipv6(IocIp), PortKey = IocPort) on IpKey, PortKey`,
          `| extend ${out} = iff(IocIp contains ":", strcat("[", IocIp, "]:", IocPort), strcat(IocIp, ":", IocPort))`,
          `| project-away IpKey, PortKey, IocIp, IocPort`,
        );
      } else {
        stages.push(
          `| lookup kind=inner (${ipTable} | distinct IocIp | extend IpKey = parse_ipv6(IocIp)) on IpKey`,
          `| extend ${out} = IocIp`,
          `| project-away IpKey, IocIp`,
        );
      }
      return stages;
    }
  }
}

/** The rows a hunt reads: the table, or the ASIM parser call with its prefilter arguments. */
function renderSource(hunt: Hunt): string {
  if (!hunt.source) return kqlIdentifier(hunt.table);
  const args = hunt.source.args.map((a) => `${kqlIdentifier(a.name)}=${renderArg(hunt, a)}`);
  return `${kqlIdentifier(hunt.source.name)}(${args.join(', ')})`;
}

function renderArg(hunt: Hunt, a: FunctionArg): string {
  if (a.kind === 'lookback') return `ago(${hunt.lookbackDays}d)`;
  const set = findSet(hunt, a.set);
  let values: readonly string[];
  if (set.kind === 'endpoints') values = [...new Set(set.values.map((e) => e.ip))].sort();
  else values = set.values as readonly string[];
  if (a.derive === 'url-hosts') values = urlSetHosts(values);
  if (a.derive === 'ipv4-only') values = values.some((v) => v.includes(':')) ? [] : values;
  // A parser prefilter longer than has_any's limit would silently drop rows: pass none, the exact check follows.
  if (watchlistOf(hunt, set) !== undefined || values.length > HAS_ANY_MAX) return 'dynamic([])';
  return `dynamic([${values.map(kqlString).join(', ')}])`;
}

/** Render a hunt as one complete KQL query. */
export function renderKql(hunt: Hunt, header: KqlHeader, options: { enableExclusions?: boolean } = {}): string {
  return renderKqlHeader(header) + renderKqlBody(hunt, options);
}

/** The `//` comment lines of a query header (each ending in a newline). */
export function renderKqlHeader(header: KqlHeader): string {
  return header.lines.map((l) => `// ${kqlCommentText(l)}`.trimEnd() + '\n').join('');
}

/** A hunt's query without its header comments: {@link renderKql} is the header followed by this. */
export function renderKqlBody(hunt: Hunt, options: { enableExclusions?: boolean } = {}): string {
  const out: string[] = [];
  const urlKeyNeeded = usesUrlKey(hunt.where);
  if (urlKeyNeeded) out.push(...URL_KEY_FUNCTION);
  const predicateSetNames = new Set<string>();
  hunt.where.forEach((p) => predicateSets(p, predicateSetNames));
  for (const set of hunt.sets) if (predicateSetNames.has(set.name)) out.push(...renderSetLets(hunt, set, urlKeyNeeded));
  out.push(renderSource(hunt));
  const time = kqlIdentifier(hunt.timeColumn);
  out.push(`| where ${time} >= ago(${hunt.lookbackDays}d)`);
  if (hunt.exclusions.length > 0) {
    out.push('// False-positive exclusions (see the pack README): uncomment a line to enable it.');
    const prefix = options.enableExclusions ? '' : '// ';
    for (const ex of hunt.exclusions) out.push(`${prefix}| where not(${renderExpression(hunt, ex.predicate)})   // ${kqlCommentText(ex.scenario)}`);
  }
  hunt.where.forEach((p, i) => out.push(...renderStages(hunt, p, i === 0)));
  // Hash hunts name the algorithm of the matched hash (for FileHash entities), from its length.
  const hashHunt = hunt.iocTypes.length > 0 && hunt.iocTypes.every((t) => t === 'md5' || t === 'sha1' || t === 'sha256');
  if (hashHunt) out.push(`| extend HashAlgorithm = case(strlen(MatchedIoc) == 32, "MD5", strlen(MatchedIoc) == 40, "SHA1", "SHA256")`);
  out.push(`| project ${[time, ...hunt.project.filter((c) => c !== time), 'MatchedIoc', ...(hashHunt ? ['HashAlgorithm'] : [])].map(kqlIdentifier).join(', ')}`);
  out.push(`| order by ${time} desc`);
  return out.join('\n') + '\n';
}
