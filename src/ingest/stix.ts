/**
 * STIX 2.1 (and 2.0) bundles: `{"type": "bundle", "objects": [...]}`.
 *
 * Every `indicator` with `pattern_type` `stix` (or none, as in 2.0) becomes one or more IOCs (see
 * {@link patternIndicators}); the parts of a pattern outside the supported subset are rejected records with the reason.
 *
 * - family: the `malware` objects an `indicates` relationship points at (name, aliases; the Malpedia id from an
 *   external reference when there is one), one record per family; else a label `malware:NAME`, `family:NAME` or
 *   `misp-galaxy:malpedia="NAME"`; else `--family`; else `unknown`. Other labels are tags, never guessed as families.
 * - `valid_from` → first seen (else `created`); `confidence` → confidence; `labels` → tags; `indicator_types[0]` →
 *   threat type; external reference URLs → references; the `created_by_ref` identity's name → reporter.
 * - `valid_until` has no place in the IOC model: expiry follows `--ttl` from first seen; a warning says how many
 *   indicators carried it. `revoked: true` indicators are rejected (never hunted).
 *
 * Locations: record = the indicator id, pointer = `/objects/<i>`.
 */
import type { FamilyRef } from '../model/ioc.js';
import { familyFromName, malpediaIdOf } from '../normalize/indicator.js';
import { locationOf, pointerToken, type FeedItem } from './items.js';
import { excerptOf, indicatorItem, optionFamily, own, stringField, type ParseOptions } from './options.js';
import { isJsonObject, type JsonObject } from './schema.js';
import { patternIndicators } from './stix-pattern.js';

/** True for a parsed STIX bundle. */
export function isStixBundle(json: unknown): boolean {
  return isJsonObject(json) && own(json, 'type') === 'bundle' && (Array.isArray(own(json, 'objects')) || !Object.hasOwn(json, 'objects'));
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

function malpediaIdOfObject(object: JsonObject): string | null {
  const refs = own(object, 'external_references');
  if (!Array.isArray(refs)) return null;
  for (const ref of refs) {
    if (!isJsonObject(ref)) continue;
    const id = malpediaIdOf(own(ref, 'url')) ?? (own(ref, 'source_name') === 'malpedia' ? stringField(ref, 'external_id') : null);
    if (id !== null) return id.toLowerCase();
  }
  return null;
}

const FAMILY_LABEL = /^(?:malware|family|malware[-_]family)\s*[:=]\s*"?([^"]+?)"?$|^misp-galaxy:(?:malpedia|mitre-malware)\s*=\s*"([^"]+)"$/i;

/** Families named by explicit labels (`malware:Emotet`, `misp-galaxy:malpedia="Emotet"`). */
function labelFamilies(labels: readonly string[]): FamilyRef[] {
  const out: FamilyRef[] = [];
  for (const label of labels) {
    const m = FAMILY_LABEL.exec(label.trim());
    const name = m === null ? undefined : (m[1] ?? m[2]);
    if (name !== undefined && name.trim() !== '') out.push(familyFromName(name.replace(/ - S\d{4}$/, '')));
  }
  return out;
}

function referenceUrls(object: JsonObject): string[] {
  const refs = own(object, 'external_references');
  if (!Array.isArray(refs)) return [];
  const urls: string[] = [];
  for (const ref of refs) if (isJsonObject(ref) && typeof own(ref, 'url') === 'string') urls.push(own(ref, 'url') as string);
  return urls;
}

/** Records of a STIX bundle. */
export function* parseStixBundle(json: unknown, file: string, options: ParseOptions): Generator<FeedItem> {
  if (!isJsonObject(json)) return;
  const objects = own(json, 'objects');
  if (!Array.isArray(objects)) return;
  // Maps, not plain objects: ids are feed data (`__proto__` must stay a key).
  const malware = new Map<string, FamilyRef>();
  const identities = new Map<string, string>();
  const indicates = new Map<string, string[]>();
  for (const object of objects) {
    if (!isJsonObject(object)) continue;
    const type = own(object, 'type');
    const id = stringField(object, 'id');
    if (id === null) continue;
    if (type === 'malware') {
      const name = stringField(object, 'name');
      if (name !== null) malware.set(id, familyFromName(name, stringList(own(object, 'aliases')), malpediaIdOfObject(object)));
    } else if (type === 'identity') {
      const name = stringField(object, 'name');
      if (name !== null) identities.set(id, name);
    } else if (type === 'relationship' && own(object, 'relationship_type') === 'indicates') {
      const source = stringField(object, 'source_ref');
      const target = stringField(object, 'target_ref');
      if (source !== null && target !== null) indicates.set(source, [...(indicates.get(source) ?? []), target]);
    }
  }
  const fallbackFamily = optionFamily(options);
  let withValidUntil = 0;
  let indicators = 0;
  for (let i = 0; i < objects.length; i++) {
    const object = objects[i];
    if (!isJsonObject(object) || own(object, 'type') !== 'indicator') continue;
    indicators++;
    const id = stringField(object, 'id');
    const location = locationOf(file, { recordId: id, pointer: `/objects/${pointerToken(String(i))}` });
    const patternValue = own(object, 'pattern');
    const pattern = typeof patternValue === 'string' ? patternValue : null;
    const shown = pattern ?? excerptOf(patternValue);
    if (own(object, 'revoked') === true) {
      yield { kind: 'rejected', location, value: shown, reason: 'revoked STIX indicator (never hunted)' };
      continue;
    }
    const patternType = own(object, 'pattern_type');
    if (patternType !== undefined && patternType !== 'stix') {
      yield { kind: 'rejected', location, value: shown, reason: `unsupported STIX pattern_type ${excerptOf(patternType, 40)} (only "stix" patterns are read)` };
      continue;
    }
    if (pattern === null) {
      yield { kind: 'rejected', location, value: shown, reason: 'STIX indicator without a pattern string' };
      continue;
    }
    if (own(object, 'valid_until') !== undefined) withValidUntil++;
    const labels = stringList(own(object, 'labels'));
    const families: FamilyRef[] = [];
    for (const target of id === null ? [] : (indicates.get(id) ?? [])) {
      const family = malware.get(target);
      if (family !== undefined && !families.some((f) => f.id === family.id)) families.push(family);
    }
    if (families.length === 0) families.push(...labelFamilies(labels));
    if (families.length === 0) families.push(fallbackFamily ?? familyFromName('unknown'));
    const result = patternIndicators(pattern);
    for (const reason of result.unsupported) yield { kind: 'rejected', location, value: pattern, reason };
    const createdBy = stringField(object, 'created_by_ref');
    const references = referenceUrls(object);
    const indicatorTypes = stringList(own(object, 'indicator_types'));
    for (const indicator of result.indicators) {
      for (const family of families) {
        yield indicatorItem(
          {
            kind: indicator.kind,
            value: indicator.value,
            ...(indicator.port !== undefined ? { port: indicator.port } : {}),
            family,
            firstSeen: own(object, 'valid_from') ?? own(object, 'created'),
            confidence: own(object, 'confidence'),
            tags: labels,
            threatType: indicatorTypes[0] ?? null,
            id,
            reference: references[0] ?? null,
            reporter: createdBy === null ? null : (identities.get(createdBy) ?? null),
          },
          location,
        );
      }
    }
  }
  if (withValidUntil > 0) {
    yield {
      kind: 'warning',
      location: locationOf(file, {}),
      message: `${withValidUntil} of ${indicators} STIX indicators carry valid_until, which huntpack does not model: expiry follows --ttl from valid_from`,
    };
  }
}
