/**
 * The one KQL renderer: Hunt (IR) → query text. No query text is assembled anywhere else.
 * Each predicate kind renders as pipeline stages whose meaning equals the evaluator's (src/hunt/evaluate.ts);
 * prefilters (`has_any`, `in`) are added only where every row that satisfies the predicate also passes them.
 */
import type { Hunt, Predicate, ValueSet } from '../../hunt/ir.js';
import { HOST_PATTERN, URL_PATTERN, urlKey, urlKeyHost } from '../../hunt/semantics.js';
import { kqlCommentText, kqlIdentifier, kqlString } from './escape.js';

/** Header lines written as `//` comments above the query. */
export interface KqlHeader {
  readonly lines: readonly string[];
}

/** KQL name of a value set's `let`. */
function setVar(set: ValueSet): string {
  return kqlIdentifier(set.name);
}

function findSet(hunt: Hunt, name: string): ValueSet {
  const set = hunt.sets.find((s) => s.name === name);
  if (!set) throw new Error(`hunt ${hunt.id}: unknown value set ${name}`);
  return set;
}

function dynamicList(values: readonly string[], indent = '    '): string {
  if (values.length === 0) return 'dynamic([])';
  return `dynamic([\n${values.map((v) => indent + kqlString(v)).join(',\n')}\n])`;
}

/** `let` statements for one value set (and the derived helper sets its predicates need). */
function renderSetLets(hunt: Hunt, set: ValueSet, usage: SetUsage): string[] {
  const name = setVar(set);
  switch (set.kind) {
    case 'domains':
    case 'ips':
    case 'strings':
      return [`let ${name} = ${dynamicList(set.values)};`];
    case 'urls': {
      const lets = [`let ${name} = ${dynamicList(set.values)};`];
      if (usage.urlMatch) {
        const hosts = [...new Set(set.values.map((u) => urlKeyHost(urlKey(u))).filter((h) => h !== ''))].sort();
        lets.push(`let ${name}Hosts = ${dynamicList(hosts)};`);
        lets.push(
          `let ${name}Keys = print IocUrl = ${name}\n    | mv-expand IocUrl to typeof(string)\n    | extend UrlKey = UrlKeyOf(IocUrl)\n    | summarize IocUrl = min(IocUrl) by UrlKey;`,
        );
      }
      return lets;
    }
    case 'endpoints': {
      const rows = set.values.map((e) => `    ${kqlString(e.ip)}, ${e.port}`);
      const body = rows.length ? `\n${rows.join(',\n')}\n` : '';
      return [`let ${name} = datatable(IocIp:string, IocPort:int) [${body}];`];
    }
  }
}

interface SetUsage {
  urlMatch: boolean;
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
      const rhs = p.set !== undefined ? setVar(findSet(requireHunt(hunt), p.set)) : inlineList(p.values ?? []);
      return `${kqlIdentifier(p.column)} in~ (${rhs})`;
    }
    case 'starts-with-any': {
      if (p.values.length === 0) return 'false';
      const parts = p.values.map((v) => `${kqlIdentifier(p.column)} startswith ${kqlString(v)}`);
      return parts.length === 1 ? parts[0]! : `(${parts.join(' or ')})`;
    }
    case 'any':
      return p.of.length === 1 ? renderExpression(hunt, p.of[0]!) : `(${p.of.map((q) => renderExpression(hunt, q)).join(' or ')})`;
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
    else if (q.kind === 'equals-any' || q.kind === 'starts-with-any') leaves.push({ column: q.column, cond: renderExpression(hunt, q) });
  };
  collect(p);
  if (leaves.length === 1) return `tolower(${leaves[0]!.column})`;
  return `tolower(case(${leaves.map((l) => `${l.cond}, ${l.column}`).join(', ')}, ""))`;
}

/** Pipeline stages (each starting with `| `) for one top-level predicate. The first matcher also sets `MatchedIoc`. */
function renderStages(hunt: Hunt, p: Predicate, setsMatched: boolean): string[] {
  const m = !setsMatched;
  switch (p.kind) {
    case 'equals-any':
    case 'starts-with-any':
    case 'any': {
      const stages = [`| where ${renderExpression(hunt, p)}`];
      if (m) stages.push(`| extend MatchedIoc = ${matchedValueExpression(hunt, p)}`);
      return stages;
    }
    case 'host-in-domains': {
      const set = setVar(findSet(hunt, p.set));
      const col = kqlIdentifier(p.column);
      const host =
        p.source === 'fqdn' ? `tolower(${col})` : `tolower(extract(@"${HOST_PATTERN}", 1, ${col}))`;
      return [
        `| where ${col} has_any (${set})`,
        `| extend MatchedHost = trim_end(@"\\.+", ${host})`,
        `| extend HostLabels = split(MatchedHost, ".")`,
        `| mv-apply LabelIndex = range(0, array_length(HostLabels) - 2, 1) to typeof(long) on (`,
        `    extend ${m ? 'MatchedIoc' : 'MatchedDomain'} = strcat_array(array_slice(HostLabels, LabelIndex, -1), ".")`,
        `    | where ${m ? 'MatchedIoc' : 'MatchedDomain'} in (${set})`,
        `    | take 1`,
        `    )`,
        `| project-away HostLabels, LabelIndex`,
      ];
    }
    case 'url-equals-any': {
      const set = setVar(findSet(hunt, p.set));
      const col = kqlIdentifier(p.column);
      return [
        `| where ${col} has_any (${set}Hosts)`,
        `| extend UrlKey = UrlKeyOf(${col})`,
        `| lookup kind=inner ${set}Keys on UrlKey`,
        ...(m ? [`| extend MatchedIoc = IocUrl`] : []),
        `| project-away UrlKey, IocUrl`,
      ];
    }
    case 'ip-port-in':
    case 'ip-in': {
      const set = setVar(findSet(hunt, p.set));
      const ipCol = kqlIdentifier(p.kind === 'ip-in' ? p.column : p.ipColumn);
      const stages = [
        // Exact text equality is enough for dotted IPv4; anything holding ':' may be IPv6 or IPv4-mapped and is compared canonically.
        `| where ${ipCol} in ((${set} | project IocIp)) or ${ipCol} contains ":"`,
        `| extend IpKey = parse_ipv6(${ipCol})`,
      ];
      if (p.kind === 'ip-port-in') {
        stages.push(
          `| extend PortKey = toint(${kqlIdentifier(p.portColumn)})`,
          `| lookup kind=inner (${set} | extend IpKey = parse_ipv6(IocIp), PortKey = IocPort) on IpKey, PortKey`,
          ...(m ? [`| extend MatchedIoc = iff(IocIp contains ":", strcat("[", IocIp, "]:", IocPort), strcat(IocIp, ":", IocPort))`] : []),
          `| project-away IpKey, PortKey, IocIp, IocPort`,
        );
      } else {
        stages.push(
          `| lookup kind=inner (${set} | distinct IocIp | extend IpKey = parse_ipv6(IocIp)) on IpKey`,
          ...(m ? [`| extend MatchedIoc = IocIp`] : []),
          `| project-away IpKey, IocIp`,
        );
      }
      return stages;
    }
  }
}

/** Render a hunt as one complete KQL query. */
export function renderKql(hunt: Hunt, header: KqlHeader, options: { enableExclusions?: boolean } = {}): string {
  const out: string[] = header.lines.map((l) => `// ${kqlCommentText(l)}`.trimEnd());
  const urlKeyNeeded = usesUrlKey(hunt.where);
  if (urlKeyNeeded) out.push(...URL_KEY_FUNCTION);
  for (const set of hunt.sets) out.push(...renderSetLets(hunt, set, { urlMatch: urlKeyNeeded }));
  out.push(kqlIdentifier(hunt.table));
  const time = kqlIdentifier(hunt.timeColumn);
  out.push(`| where ${time} >= ago(${hunt.lookbackDays}d)`);
  if (hunt.exclusions.length > 0) {
    out.push('// False-positive exclusions (see the pack README): uncomment a line to enable it.');
    const prefix = options.enableExclusions ? '' : '// ';
    for (const ex of hunt.exclusions) {
      out.push(`${prefix}| where not(${renderExpression(hunt, ex.predicate)})   // ${kqlCommentText(ex.scenario)}`);
    }
  }
  let matched = false;
  for (const p of hunt.where) {
    out.push(...renderStages(hunt, p, matched));
    matched = true;
  }
  out.push(`| project ${[time, ...hunt.project.filter((c) => c !== time), 'MatchedIoc'].map(kqlIdentifier).join(', ')}`);
  out.push(`| order by ${time} desc`);
  return out.join('\n') + '\n';
}
