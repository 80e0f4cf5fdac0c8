/**
 * Deployable Sentinel content per family, in the Azure-Sentinel content format: a hunting-query YAML and a scheduled
 * analytics-rule YAML per hunt, and an ARM template deploying the rules (and the watchlists they read).
 * Limits of the Azure-Sentinel template checks are enforced here and tested over the golden packs.
 */
import { stringify } from 'yaml';
import type { Knowledge } from '../../knowledge/load.js';
import type { PackDocument, PackQuery } from '../../pack/pack.js';
import { stableUuid } from '../ids.js';
import type { Artifact } from '../registry.js';

/** Content limits (sentinel.md §6). */
export const LIMITS = { query: 10_000, name: 256, description: 5_000, entityMappings: 5, fieldsPerMapping: 3, customDetails: 20 } as const;
/** Rule schedule: every hour over the last hour, so each new event is seen once. */
export const SCHEDULE = { queryFrequency: '1h', queryPeriod: '1h', arm: { queryFrequency: 'PT1H', queryPeriod: 'PT1H' } } as const;
export const CONTENT_VERSION = '1.0.0';

type Severity = 'Informational' | 'Low' | 'Medium' | 'High';
const SEVERITIES: readonly Severity[] = ['Informational', 'Low', 'Medium', 'High'];
/** Severity by threat type, lowered one step for a lower-confidence hunt. */
const THREAT_SEVERITY: Readonly<Record<string, Severity>> = { botnet_cc: 'High', payload: 'High', payload_delivery: 'Medium' };

export interface EntityMapping {
  readonly entityType: string;
  readonly fieldMappings: readonly { readonly identifier: string; readonly columnName: string }[];
}

/** Everything a rule needs, computed once for the YAML and the ARM renderings. */
export interface RuleModel {
  readonly id: string;
  readonly huntingId: string;
  readonly query: PackQuery;
  readonly name: string;
  readonly description: string;
  readonly severity: Severity;
  readonly dataTypes: readonly string[];
  readonly connectorId: string;
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
  readonly entityMappings: readonly EntityMapping[];
  readonly customDetails: Readonly<Record<string, string>>;
  readonly alertDisplayNameFormat: string;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

/** Feed text inside our content: one line, no `{{` placeholders (alert formats would expand them). */
function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ').replace(/[{}]/g, '').trim();
}

/** The columns a query outputs: its final `project`. */
export function outputColumns(kql: string): string[] {
  const line = kql.split('\n').reverse().find((l) => l.startsWith('| project '));
  return line ? line.slice('| project '.length).split(',').map((c) => c.trim()) : [];
}

/** The queries that become rules: each Sentinel hunt once, as its inline query or, when split, its watchlist variant. */
export function ruleQueries(pack: Pick<PackDocument, 'queries'>): PackQuery[] {
  return pack.queries.filter((q) => q.platform === 'sentinel' && (q.variant === 'inline' || q.variant === 'watchlist'));
}

function iocClass(q: PackQuery): 'network' | 'file' | 'email' {
  if (q.iocTypes.every((t) => t === 'email')) return 'email';
  if (q.iocTypes.every((t) => t === 'md5' || t === 'sha1' || t === 'sha256')) return 'file';
  return 'network';
}

/** Build the rule model of one query. */
export function ruleModel(k: Knowledge, pack: PackDocument, q: PackQuery): RuleModel {
  const covered = pack.iocs.filter((i) => q.iocTypes.includes(i.type));
  const threatTypes = [...new Set(covered.map((i) => i.threatType ?? ''))];
  let severity = threatTypes.map((t) => THREAT_SEVERITY[t] ?? 'Medium').reduce((a, b) => (SEVERITIES.indexOf(b) > SEVERITIES.indexOf(a) ? b : a), 'Low' as Severity);
  if (q.confidence !== 'high') severity = SEVERITIES[Math.max(0, SEVERITIES.indexOf(severity) - 1)]!;
  const allowed = new Set(k.attack.iocClassTactics[iocClass(q)]);
  const techniqueIds = [
    ...threatTypes.flatMap((t) => (k.threatTypes.find((x) => x.threatType === t) ?? k.threatTypes.find((x) => x.threatType === 'default'))?.attack ?? []),
    ...(pack.profile?.attack ?? []),
  ]
    .map((a) => a.id)
    .filter((id) => (k.attack.techniques[id] ?? []).some((t) => allowed.has(t)));
  const techniques = [...new Set(techniqueIds)].sort();
  const tactics = [...new Set(techniques.flatMap((id) => k.attack.techniques[id] ?? []).filter((t) => allowed.has(t)))].sort();
  const columns = new Set(outputColumns(q.kql));
  const entityMappings: EntityMapping[] = (k.tables[q.table]?.entities ?? [])
    .filter((e) => Object.values(e.fields).every((c) => columns.has(c)))
    .slice(0, LIMITS.entityMappings)
    .map((e) => ({ entityType: e.entity, fieldMappings: Object.entries(e.fields).slice(0, LIMITS.fieldsPerMapping).map(([identifier, columnName]) => ({ identifier, columnName })) }));
  const family = plain(pack.family.name);
  const name = truncate(`huntpack · ${family}: ${q.title}`, LIMITS.name);
  const description = truncate(
    `${q.description} Family ${family} (${plain(pack.family.id)}), ${q.iocCount} IOC${q.iocCount === 1 ? '' : 's'} from the threat feed; generated by huntpack. ` +
      (q.variant === 'watchlist' ? `Reads the IOCs from the watchlist${(q.watchlists ?? []).length > 1 ? 's' : ''} ${(q.watchlists ?? []).join(', ')} (deployed with this rule by the ARM template). ` : '') +
      'False-positive exclusions are in the query as commented lines; see the pack README.',
    LIMITS.description,
  );
  return {
    id: stableUuid(`huntpack:rule:${pack.family.id}:${q.platform}:${q.hunt}`),
    huntingId: stableUuid(`huntpack:hunting:${pack.family.id}:${q.platform}:${q.hunt}`),
    query: q,
    name,
    description,
    severity,
    dataTypes: [k.tables[q.table]?.schemaTable ?? q.table],
    connectorId: q.connectorId,
    tactics,
    techniques,
    entityMappings,
    customDetails: { MatchedIoc: 'MatchedIoc' },
    alertDisplayNameFormat: truncate(`${family}: {{MatchedIoc}} seen in ${q.table}`, LIMITS.name),
  };
}

/** The query text stored in content: the .kql file without its `//` header (the YAML carries name and description). */
function contentQuery(q: PackQuery): string {
  return q.kql.replace(/^(\/\/[^\n]*\n){4}/, '');
}

function yamlDoc(value: unknown): string {
  return stringify(value, { lineWidth: 0, blockQuote: 'literal' });
}

/** Scheduled analytics-rule YAML (Azure-Sentinel `Detections/` format). */
export function ruleYaml(m: RuleModel): string {
  return yamlDoc({
    id: m.id,
    name: m.name,
    description: m.description,
    severity: m.severity,
    requiredDataConnectors: [{ connectorId: m.connectorId, dataTypes: m.dataTypes }],
    queryFrequency: SCHEDULE.queryFrequency,
    queryPeriod: SCHEDULE.queryPeriod,
    triggerOperator: 'gt',
    triggerThreshold: 0,
    tactics: m.tactics,
    relevantTechniques: m.techniques,
    query: contentQuery(m.query),
    entityMappings: m.entityMappings,
    customDetails: m.customDetails,
    alertDetailsOverride: { alertDisplayNameFormat: m.alertDisplayNameFormat },
    version: CONTENT_VERSION,
    kind: 'Scheduled',
  });
}

/** Hunting-query YAML (Azure-Sentinel `Hunting Queries/` format). */
export function huntingYaml(m: RuleModel): string {
  return yamlDoc({
    id: m.huntingId,
    name: m.name,
    description: m.description,
    requiredDataConnectors: [{ connectorId: m.connectorId, dataTypes: m.dataTypes }],
    tactics: m.tactics,
    relevantTechniques: m.techniques,
    query: contentQuery(m.query),
    entityMappings: m.entityMappings,
    version: CONTENT_VERSION,
  });
}

/** Sentinel's limit for a watchlist uploaded inline (ARM `rawContent`, or a local file in the portal); larger ones go through Azure Storage. */
export const WATCHLIST_INLINE_MAX_BYTES = 3_800_000;
/**
 * Azure Resource Manager's limits: one resource definition at most 1 MB, the whole template at most 4 MB
 * (learn.microsoft.com, "Resolve errors for job size exceeded"). Watchlists take at most 3 MB of a template, leaving
 * room for the rules.
 */
export const ARM_RESOURCE_MAX_BYTES = 1_000_000;
export const ARM_WATCHLISTS_MAX_BYTES = 3_000_000;

/** Bytes a watchlist takes in the template, over-estimated: its CSV, JSON escapes (two per CRLF line, quotes), the resource's fields. */
export function armWatchlistBytes(w: { readonly bytes: number; readonly items: number }): number {
  return Math.ceil(w.bytes * 1.05) + 2 * (w.items + 1) + 4_096;
}

/**
 * Which of a pack's watchlists the ARM template deploys inline, in pack order: those its rules read, each within a
 * resource's 1 MB and together within 3 MB. The others are uploaded through Azure Storage (the pack README says how).
 */
export function armInlineWatchlists(pack: Pick<PackDocument, 'watchlists' | 'queries'>): { readonly inline: ReadonlySet<string>; readonly outside: readonly PackDocument['watchlists'][number][] } {
  const used = new Set(ruleQueries(pack).flatMap((q) => q.watchlists ?? []));
  const inline = new Set<string>();
  const outside: PackDocument['watchlists'][number][] = [];
  let total = 0;
  for (const w of pack.watchlists) {
    if (!used.has(w.alias)) continue;
    const size = armWatchlistBytes(w);
    if (w.bytes <= WATCHLIST_INLINE_MAX_BYTES && size <= ARM_RESOURCE_MAX_BYTES && total + size <= ARM_WATCHLISTS_MAX_BYTES) {
      inline.add(w.alias);
      total += size;
    } else outside.push(w);
  }
  return { inline, outside };
}

/** ARM template deploying the family's analytics rules and the watchlists they read (those small enough to inline). */
export function armTemplate(rules: readonly RuleModel[], watchlists: readonly { alias: string; csv: string; items: number }[]): string {
  const resources: unknown[] = [];
  for (const w of watchlists) {
    resources.push({
      type: 'Microsoft.OperationalInsights/workspaces/providers/Watchlists',
      apiVersion: '2023-02-01',
      name: `[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '${w.alias}')]`,
      properties: {
        displayName: w.alias,
        provider: 'huntpack',
        source: `${w.alias}.csv`,
        itemsSearchKey: 'SearchKey',
        contentType: 'text/csv',
        numberOfLinesToSkip: 0,
        rawContent: w.csv,
      },
    });
  }
  const deployed = new Set(watchlists.map((w) => w.alias));
  for (const m of rules) {
    const dependsOn = (m.query.watchlists ?? []).filter((a) => deployed.has(a)).map(
      (a) => `[resourceId('Microsoft.OperationalInsights/workspaces/providers/Watchlists', parameters('workspace'), 'Microsoft.SecurityInsights', '${a}')]`,
    );
    resources.push({
      type: 'Microsoft.OperationalInsights/workspaces/providers/alertRules',
      apiVersion: '2023-02-01',
      name: `[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '${m.id}')]`,
      kind: 'Scheduled',
      ...(dependsOn.length ? { dependsOn } : {}),
      properties: {
        displayName: m.name,
        description: m.description,
        severity: m.severity,
        enabled: "[parameters('rulesEnabled')]",
        query: contentQuery(m.query),
        queryFrequency: SCHEDULE.arm.queryFrequency,
        queryPeriod: SCHEDULE.arm.queryPeriod,
        triggerOperator: 'GreaterThan',
        triggerThreshold: 0,
        suppressionDuration: 'PT5H',
        suppressionEnabled: false,
        tactics: m.tactics,
        techniques: [...new Set(m.techniques.map((t) => t.split('.')[0]!))].sort(),
        entityMappings: m.entityMappings,
        customDetails: m.customDetails,
        alertDetailsOverride: { alertDisplayNameFormat: m.alertDisplayNameFormat },
      },
    });
  }
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: {
      workspace: { type: 'string', metadata: { description: 'Name of the Log Analytics workspace with Microsoft Sentinel' } },
      rulesEnabled: {
        type: 'bool',
        defaultValue: false,
        metadata: { description: 'Deploy the analytics rules enabled. Default false: they arrive disabled, to review (and enable the false-positive exclusions you need) before they raise alerts' },
      },
    },
    resources,
  };
  return JSON.stringify(template, null, 2) + '\n';
}

/** Renderer: `sentinel/hunting/*.yaml`, `sentinel/analytics/*.yaml`, `sentinel/azuredeploy.json`. */
export function renderSentinelContent(k: Knowledge, pack: PackDocument, watchlistCsv: (file: string) => string | undefined): Artifact[] {
  const models = ruleQueries(pack).map((q) => ruleModel(k, pack, q));
  if (models.length === 0) return [];
  const { inline } = armInlineWatchlists(pack);
  const watchlists = pack.watchlists
    .filter((w) => inline.has(w.alias))
    .map((w) => ({ alias: w.alias, items: w.items, csv: watchlistCsv(w.file) ?? '' }));
  return [
    ...models.map((m) => ({ path: `sentinel/hunting/${m.query.hunt}.yaml`, content: huntingYaml(m) })),
    ...models.map((m) => ({ path: `sentinel/analytics/${m.query.hunt}.yaml`, content: ruleYaml(m) })),
    { path: 'sentinel/azuredeploy.json', content: armTemplate(models, watchlists) },
  ];
}
