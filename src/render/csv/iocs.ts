/**
 * `iocs.csv`: every hunted IOC of a pack, real (not defanged) values, one row each, for a spreadsheet or a SIEM lookup.
 * Fields are quoted and formula-guarded like the watchlists (a value starting with `=`, `+`, `-`, `@` gets a `'`).
 */
import type { PackDocument } from '../../pack/pack.js';
import { csvField } from '../../pack/limits.js';

const HEADER = ['type', 'value', 'port', 'threat_type', 'first_seen', 'last_seen', 'confidence', 'tags', 'flags', 'source_ids'];

export function iocsCsv(pack: Pick<PackDocument, 'iocs'>): string {
  return [...iocsCsvChunks(pack)].join('');
}

/** {@link iocsCsv} in chunks of about 10,000 rows. */
export function* iocsCsvChunks(pack: Pick<PackDocument, 'iocs'>): Generator<string> {
  let rows = [HEADER.join(',')];
  for (const i of pack.iocs) {
    if (rows.length >= 10_000) {
      yield rows.join('\r\n') + '\r\n';
      rows = [];
    }
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
  if (rows.length) yield rows.join('\r\n') + '\r\n';
}
