/**
 * `iocs.csv`: every hunted IOC of a pack, real (not defanged) values, one row each, for a spreadsheet or a SIEM lookup.
 * Fields are quoted and formula-guarded like the watchlists (a value starting with `=`, `+`, `-`, `@` gets a `'`).
 */
import type { PackDocument } from '../../pack/pack.js';
import { csvField } from '../../pack/limits.js';

const HEADER = ['type', 'value', 'port', 'threat_type', 'first_seen', 'last_seen', 'confidence', 'tags', 'flags', 'source_ids'];

export function iocsCsv(pack: Pick<PackDocument, 'iocs'>): string {
  const rows = [HEADER.join(',')];
  for (const i of pack.iocs) {
    rows.push(
      [
        csvField(i.type),
        csvField(i.value),
        i.port === undefined ? '' : String(i.port),
        csvField(i.threatType ?? ''),
        csvField(i.firstSeen),
        csvField(i.lastSeen ?? ''),
        i.confidence === null ? '' : String(i.confidence),
        csvField(i.tags.join(';')),
        csvField(i.flags.join(';')),
        csvField(i.sourceIds.join(';')),
      ].join(','),
    );
  }
  return rows.join('\r\n') + '\r\n';
}
