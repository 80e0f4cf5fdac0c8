/**
 * A STIX 2.1 bundle per family, for upload to a threat-intelligence platform: the malware (family), one indicator per
 * hunted IOC with its pattern, validity window and labels, and `indicates` relationships. Ids and timestamps are derived
 * from the content, so the same input gives the same bundle.
 */
import { jsonLinesChunks } from '../display.js';
import type { Knowledge } from '../../knowledge/load.js';
import type { PackDocument, PackIoc } from '../../pack/pack.js';
import { DEFAULT_TTL_DAYS, TTL_CLASSES, type TtlClass } from '../../pack/policy.js';
import { stableUuid } from '../ids.js';
import type { Artifact } from '../registry.js';

/** TLP 2.0 CLEAR marking definition (STIX 2.1 predefined object). */
export const TLP_CLEAR = 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487';
const IDENTITY = `identity--${stableUuid('huntpack:identity')}`;

/** A STIX pattern string literal: backslash and quote escaped. */
export function stixString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HASH_NAMES: Readonly<Record<string, string>> = { md5: 'MD5', sha1: "'SHA-1'", sha256: "'SHA-256'", 'sha3-384': "'SHA3-384'" };

/** The STIX pattern of an IOC. */
export function stixPattern(ioc: Pick<PackIoc, 'type' | 'value' | 'port'>): string {
  const v = stixString(ioc.value);
  switch (ioc.type) {
    case 'domain':
      return `[domain-name:value = ${v}]`;
    case 'url':
      return `[url:value = ${v}]`;
    case 'email':
      return `[email-addr:value = ${v}]`;
    case 'ipv4':
    case 'ipv6': {
      const kind = ioc.type === 'ipv4' ? 'ipv4-addr' : 'ipv6-addr';
      return ioc.port !== undefined
        ? `[network-traffic:dst_ref.type = '${kind}' AND network-traffic:dst_ref.value = ${v} AND network-traffic:dst_port = ${ioc.port}]`
        : `[${kind}:value = ${v}]`;
    }
    default:
      return `[file:hashes.${HASH_NAMES[ioc.type]} = ${v}]`;
  }
}

function ttlDays(type: PackIoc['type'], ttl: Readonly<Record<TtlClass, number>>): number {
  const cls = (Object.keys(TTL_CLASSES) as TtlClass[]).find((c) => (TTL_CLASSES[c] as readonly string[]).includes(type))!;
  return ttl[cls];
}

function plusDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString().replace(/\.000Z$/, 'Z');
}

/** The bundle's objects, one at a time (a big pack's bundle is never held whole). */
export function* stixObjects(pack: PackDocument, ttl: Readonly<Record<TtlClass, number>> = DEFAULT_TTL_DAYS): Generator<Record<string, unknown>> {
  const first = pack.stats.firstSeen ?? '1970-01-01T00:00:00Z';
  const malwareId = `malware--${stableUuid(`huntpack:malware:${pack.family.id}`)}`;
  yield* [
    { type: 'identity', spec_version: '2.1', id: IDENTITY, created: '2026-01-01T00:00:00Z', modified: '2026-01-01T00:00:00Z', name: 'huntpack', identity_class: 'system' },
    {
      type: 'malware',
      spec_version: '2.1',
      id: malwareId,
      created: first,
      modified: first,
      created_by_ref: IDENTITY,
      name: pack.family.name,
      ...(pack.family.aliases.length ? { aliases: pack.family.aliases } : {}),
      is_family: true,
      ...(pack.profile ? { description: pack.summary } : {}),
      external_references: [{ source_name: 'threatfox', external_id: pack.family.id }],
      object_marking_refs: [TLP_CLEAR],
    },
  ];
  for (const ioc of pack.iocs) {
    const key = `${ioc.type}:${ioc.value}:${ioc.port ?? ''}`;
    const id = `indicator--${stableUuid(`huntpack:indicator:${pack.family.id}:${key}`)}`;
    const seen = ioc.lastSeen ?? ioc.firstSeen;
    yield {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: ioc.firstSeen,
      modified: seen,
      created_by_ref: IDENTITY,
      name: `${pack.family.name}: ${ioc.type} ${ioc.port !== undefined ? `${ioc.value} port ${ioc.port}` : ioc.value}`,
      indicator_types: ['malicious-activity'],
      pattern: stixPattern(ioc),
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: ioc.firstSeen,
      valid_until: plusDays(seen, ttlDays(ioc.type, ttl)),
      labels: [...new Set([ioc.threatType ?? 'unspecified', ...ioc.flags])],
      ...(ioc.confidence !== null ? { confidence: ioc.confidence } : {}),
      external_references: ioc.sourceIds.map((sid) => ({ source_name: 'threatfox', external_id: sid })),
      object_marking_refs: [TLP_CLEAR],
    };
    yield {
      type: 'relationship',
      spec_version: '2.1',
      id: `relationship--${stableUuid(`huntpack:rel:${pack.family.id}:${key}`)}`,
      created: ioc.firstSeen,
      modified: seen,
      created_by_ref: IDENTITY,
      relationship_type: 'indicates',
      source_ref: id,
      target_ref: malwareId,
      object_marking_refs: [TLP_CLEAR],
    };
  }
}

/** The bundle's envelope; its `objects` come from {@link stixObjects}. */
function bundleHead(pack: PackDocument): { type: 'bundle'; id: string; objects: unknown[] } {
  return { type: 'bundle', id: `bundle--${stableUuid(`huntpack:bundle:${pack.family.id}`)}`, objects: [] };
}

/** Renderer: `stix/bundle.json`. */
export function renderStix(_k: Knowledge, pack: PackDocument, ttl?: Readonly<Record<TtlClass, number>>): Artifact[] {
  // One STIX object per line: valid JSON, diffable, a third smaller than indented.
  return [{ path: 'stix/bundle.json', content: jsonLinesChunks(bundleHead(pack), ['objects'], { objects: stixObjects(pack, ttl) }) }];
}
