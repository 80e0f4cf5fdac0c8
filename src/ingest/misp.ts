/**
 * MISP event JSON: `{"Event": {...}}` (event export, feed file), `{"response": [{"Event": {...}}, ...]}` (restSearch
 * events), `{"response": {"Attribute": [...]}}` (restSearch attributes) or a bare array of `{"Event": ...}`.
 *
 * Decisions:
 * - `to_ids`: MISP's convention is to hunt only attributes marked for detection. Attributes with `to_ids` false are
 *   skipped and counted in one warning per file; a missing `to_ids` counts as true.
 * - types: `domain`, `hostname` → domain; `url` → url; `ip-dst`, `ip-src`
 *   → IP without port; `ip-dst|port` → IP with its port; `ip-src|port` → IP without port (a source port says nothing
 *   about the destination port we hunt); `domain|ip` → the domain and the IP; `hostname|port` → domain;
 *   `md5`/`sha1`/`sha256`/`sha3-384`, `filename|md5`/`|sha1`/`|sha256`, `malware-sample` → hash; `email-src` →
 *   e-mail. `ip-src` is kept: DeviceNetworkEvents.RemoteIP is the remote party of inbound connections too.
 *   Every other type (comment, text, regkey, mutex, yara, email-dst, …) is skipped and counted in one warning.
 * - family: a malware galaxy cluster on the attribute, else on the event (`malpedia`, `mitre-malware`, `ransomware`,
 *   `rat`, `banker`, `stealer`, `botnet`, `backdoor`, `android`, `malware`, … — never actors or tools), or a tag
 *   `misp-galaxy:<malware galaxy>="NAME"` / `malware:NAME`; the Malpedia id from the cluster's refs when present.
 *   Else `--family`; else the event `info` as the family name (one pack per event); else `unknown`.
 * - dates: attribute `first_seen`, else attribute `timestamp`, else the event `date`, else the event `timestamp`;
 *   attribute `last_seen` → last seen. Category → threat type (`Network activity` → `network_activity`).
 *
 * Locations: record = the attribute id (or uuid), pointer = the attribute's JSON pointer.
 */
import type { FamilyRef } from '../model/ioc.js';
import { familyFromName, familyIdOf, malpediaIdOf, type IndicatorKind } from '../normalize/indicator.js';
import { oneLine, optionalText } from '../normalize/text.js';
import { locationOf, type FeedItem } from './items.js';
import { excerptOf, indicatorItem, optionFamily, own, stringField, type ParseOptions } from './options.js';
import { isJsonObject, type JsonObject } from './schema.js';

/** True for a parsed MISP document (event, restSearch response, or array of events). */
export function isMispDocument(json: unknown): boolean {
  if (Array.isArray(json)) return json.length > 0 && json.slice(0, 10).every((e) => isJsonObject(e) && isJsonObject(own(e, 'Event')));
  if (!isJsonObject(json)) return false;
  if (isJsonObject(own(json, 'Event'))) return true;
  const response = own(json, 'response');
  if (Array.isArray(response)) return response.length === 0 || response.slice(0, 10).some((e) => isJsonObject(e) && isJsonObject(own(e, 'Event')));
  return isJsonObject(response) && Array.isArray(own(response, 'Attribute'));
}

/** What one MISP type yields: the value parts to read and their kinds (index into `type|type` splits). */
const TYPES: ReadonlyMap<string, readonly { part: number; kind: IndicatorKind | 'ip-port' | 'ip-no-port' }[]> = new Map([
  ['domain', [{ part: 0, kind: 'domain' }]],
  ['hostname', [{ part: 0, kind: 'domain' }]],
  ['hostname|port', [{ part: 0, kind: 'domain' }]],
  ['domain|ip', [{ part: 0, kind: 'domain' }, { part: 1, kind: 'ip' }]],
  ['url', [{ part: 0, kind: 'url' }]],
  ['ip-dst', [{ part: 0, kind: 'ip' }]],
  ['ip-src', [{ part: 0, kind: 'ip' }]],
  ['ip-dst|port', [{ part: 0, kind: 'ip-port' }]],
  ['ip-src|port', [{ part: 0, kind: 'ip-no-port' }]],
  ['md5', [{ part: 0, kind: 'md5' }]],
  ['sha1', [{ part: 0, kind: 'sha1' }]],
  ['sha256', [{ part: 0, kind: 'sha256' }]],
  ['sha3-384', [{ part: 0, kind: 'sha3-384' }]],
  ['filename|md5', [{ part: 1, kind: 'md5' }]],
  ['filename|sha1', [{ part: 1, kind: 'sha1' }]],
  ['filename|sha256', [{ part: 1, kind: 'sha256' }]],
  ['malware-sample', [{ part: 1, kind: 'md5' }]],
  ['email-src', [{ part: 0, kind: 'email' }]],
]);

// Galaxies whose clusters are malware families (MISP galaxy `type`, also the tag namespace `misp-galaxy:<type>`).
const MALWARE_GALAXIES = new Set([
  'malpedia', 'mitre-malware', 'mitre-enterprise-attack-malware', 'mitre-mobile-attack-malware', 'ransomware', 'rat', 'banker',
  'stealer', 'botnet', 'backdoor', 'android', 'malware', 'exploit-kit', 'tds', 'loader', 'cryptominers',
]);
const GALAXY_TAG = /^misp-galaxy:([a-z0-9-]+)\s*=\s*"(.+)"$/i;
const MALWARE_TAG = /^(?:malware|malware[-_]family|family)\s*[:=]\s*"?([^"]+?)"?$/i;

function toIds(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return !['0', 'false', 'no', ''].includes(value.trim().toLowerCase());
  return true;
}

/** Cluster names drop MITRE's ` - S0367` suffix. */
function clusterName(value: string): string {
  return value.replace(/\s+-\s+S\d{4}$/, '').trim();
}

function listOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/** Malware families of an attribute or event: galaxy clusters first, then tags. */
function familiesOf(holder: JsonObject): FamilyRef[] {
  const out: FamilyRef[] = [];
  const add = (family: FamilyRef): void => {
    if (family.id !== 'unknown' && !out.some((f) => f.id === family.id)) out.push(family);
  };
  for (const galaxy of listOf(own(holder, 'Galaxy'))) {
    const type = (stringField(galaxy, 'type') ?? '').toLowerCase();
    if (!MALWARE_GALAXIES.has(type)) continue;
    for (const cluster of listOf(own(galaxy, 'GalaxyCluster'))) {
      const value = stringField(cluster, 'value');
      if (value === null) continue;
      const meta = own(cluster, 'meta');
      const synonyms = isJsonObject(meta) && Array.isArray(own(meta, 'synonyms')) ? (own(meta, 'synonyms') as unknown[]).filter((s): s is string => typeof s === 'string') : [];
      const refs = isJsonObject(meta) && Array.isArray(own(meta, 'refs')) ? (own(meta, 'refs') as unknown[]) : [];
      const malpedia = refs.map(malpediaIdOf).find((id) => id !== null) ?? null;
      add(familyFromName(clusterName(value), synonyms, malpedia));
    }
  }
  for (const tag of listOf(own(holder, 'Tag'))) {
    const name = stringField(tag, 'name');
    if (name === null) continue;
    const galaxy = GALAXY_TAG.exec(name);
    if (galaxy !== null && MALWARE_GALAXIES.has((galaxy[1] as string).toLowerCase())) add(familyFromName(clusterName(galaxy[2] as string)));
    const malware = MALWARE_TAG.exec(name);
    if (malware !== null) add(familyFromName(malware[1] as string));
  }
  return out;
}

function tagNames(holder: JsonObject): string[] {
  const out: string[] = [];
  for (const tag of listOf(own(holder, 'Tag'))) {
    const name = stringField(tag, 'name');
    if (name !== null) out.push(name);
  }
  return out;
}

interface Counters {
  notToIds: number;
  skippedTypes: Map<string, number>;
}

interface EventContext {
  readonly file: string;
  readonly families: readonly FamilyRef[];
  readonly tags: readonly string[];
  readonly date: unknown;
  readonly reporter: string | null;
  readonly counters: Counters;
}

function* attributeItems(attribute: unknown, pointer: string, event: EventContext): Generator<FeedItem> {
  const { file, counters } = event;
  if (!isJsonObject(attribute)) {
    yield { kind: 'rejected', location: locationOf(file, { pointer }), value: excerptOf(attribute, 80), reason: 'MISP attribute is not a JSON object' };
    return;
  }
  const id = optionalText(own(attribute, 'id')) ?? stringField(attribute, 'uuid');
  const location = locationOf(file, { recordId: id, pointer });
  const type = (stringField(attribute, 'type') ?? '').toLowerCase();
  const rawValue = own(attribute, 'value');
  if (own(attribute, 'deleted') === true || own(attribute, 'deleted') === '1') return;
  const plan = TYPES.get(type);
  if (plan === undefined) {
    const key = type === '' ? '(no type)' : oneLine(type, 40);
    counters.skippedTypes.set(key, (counters.skippedTypes.get(key) ?? 0) + 1);
    return;
  }
  if (!toIds(own(attribute, 'to_ids'))) {
    counters.notToIds++;
    return;
  }
  if (typeof rawValue !== 'string' || rawValue.trim() === '') {
    yield { kind: 'rejected', location, value: typeof rawValue === 'string' ? rawValue : excerptOf(rawValue, 80), reason: `MISP ${type} attribute without a value` };
    return;
  }
  const parts = type.includes('|') || type === 'malware-sample' ? rawValue.split('|') : [rawValue];
  if (parts.length !== (type.includes('|') || type === 'malware-sample' ? 2 : 1)) {
    yield { kind: 'rejected', location, value: rawValue, reason: `MISP ${type} value is not "a|b"` };
    return;
  }
  const own_ = familiesOf(attribute);
  const families = own_.length > 0 ? own_ : event.families;
  const category = stringField(attribute, 'category');
  for (const step of plan) {
    const value = (parts[step.part] as string).trim();
    const kind: IndicatorKind = step.kind === 'ip-port' ? 'ip:port' : step.kind === 'ip-no-port' ? 'ip' : step.kind;
    const indicatorValue = step.kind === 'ip-port' ? `${value.includes(':') ? `[${value}]` : value}:${(parts[1] as string).trim()}` : value;
    for (const family of families) {
      yield indicatorItem(
        {
          kind,
          value: indicatorValue,
          family,
          firstSeen: own(attribute, 'first_seen') ?? own(attribute, 'timestamp') ?? event.date,
          lastSeen: own(attribute, 'last_seen'),
          tags: [...event.tags, ...tagNames(attribute)],
          threatType: category === null ? null : familyIdOf(category),
          id,
          reporter: event.reporter,
        },
        location,
      );
    }
  }
}

function eventContext(event: JsonObject, file: string, options: ParseOptions, counters: Counters): EventContext {
  let families = familiesOf(event);
  if (families.length === 0) {
    const fromOption = optionFamily(options);
    const info = stringField(event, 'info');
    families = [fromOption ?? (info !== null ? familyFromName(oneLine(info, 120), [], `misp-event.${familyIdOf(stringField(event, 'id') ?? stringField(event, 'uuid') ?? info).slice(0, 60)}`) : familyFromName('unknown'))];
  }
  const orgc = own(event, 'Orgc');
  return {
    file,
    families,
    tags: tagNames(event),
    date: own(event, 'date') ?? own(event, 'timestamp') ?? own(event, 'publish_timestamp'),
    reporter: isJsonObject(orgc) ? stringField(orgc, 'name') : null,
    counters,
  };
}

function* eventItems(event: JsonObject, base: string, file: string, options: ParseOptions, counters: Counters): Generator<FeedItem> {
  const context = eventContext(event, file, options, counters);
  const attributes = own(event, 'Attribute');
  if (Array.isArray(attributes)) for (let i = 0; i < attributes.length; i++) yield* attributeItems(attributes[i], `${base}/Attribute/${i}`, context);
  const objects = own(event, 'Object');
  if (Array.isArray(objects)) {
    for (let o = 0; o < objects.length; o++) {
      const object = objects[o];
      if (!isJsonObject(object)) continue;
      const inner = own(object, 'Attribute');
      if (!Array.isArray(inner)) continue;
      for (let i = 0; i < inner.length; i++) yield* attributeItems(inner[i], `${base}/Object/${o}/Attribute/${i}`, context);
    }
  }
}

/** Records of a MISP document. */
export function* parseMisp(json: unknown, file: string, options: ParseOptions): Generator<FeedItem> {
  const counters: Counters = { notToIds: 0, skippedTypes: new Map() };
  if (Array.isArray(json)) {
    for (let e = 0; e < json.length; e++) {
      const wrapper = json[e];
      const event = isJsonObject(wrapper) ? own(wrapper, 'Event') : undefined;
      if (isJsonObject(event)) yield* eventItems(event, `/${e}/Event`, file, options, counters);
    }
  } else if (isJsonObject(json)) {
    const event = own(json, 'Event');
    const response = own(json, 'response');
    if (isJsonObject(event)) {
      yield* eventItems(event, '/Event', file, options, counters);
    } else if (Array.isArray(response)) {
      for (let e = 0; e < response.length; e++) {
        const wrapper = response[e];
        const inner = isJsonObject(wrapper) ? own(wrapper, 'Event') : undefined;
        if (isJsonObject(inner)) yield* eventItems(inner, `/response/${e}/Event`, file, options, counters);
      }
    } else if (isJsonObject(response)) {
      // Attribute restSearch: each attribute may embed its event (`Event: {info, date, ...}`).
      const attributes = own(response, 'Attribute');
      if (Array.isArray(attributes)) {
        for (let i = 0; i < attributes.length; i++) {
          const attribute = attributes[i];
          const embedded = isJsonObject(attribute) && isJsonObject(own(attribute, 'Event')) ? (own(attribute, 'Event') as JsonObject) : {};
          yield* attributeItems(attribute, `/response/Attribute/${i}`, eventContext(embedded, file, options, counters));
        }
      }
    }
  }
  const at = locationOf(file, {});
  if (counters.notToIds > 0) {
    yield { kind: 'warning', location: at, message: `${counters.notToIds} MISP attribute${counters.notToIds === 1 ? '' : 's'} with to_ids=false skipped (only attributes marked for detection are hunted)` };
  }
  if (counters.skippedTypes.size > 0) {
    const list = [...counters.skippedTypes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 12).map(([type, n]) => `${type} (${n})`);
    const total = [...counters.skippedTypes.values()].reduce((a, b) => a + b, 0);
    yield { kind: 'warning', location: at, message: `${total} MISP attribute${total === 1 ? '' : 's'} of types huntpack does not hunt skipped: ${list.join(', ')}${counters.skippedTypes.size > 12 ? ', …' : ''}` };
  }
}
