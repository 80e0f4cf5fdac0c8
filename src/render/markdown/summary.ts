/**
 * The pack's summary paragraph, built only from the family profile (data/families) and the observed IOCs.
 * Never invents claims: without a profile it says so and describes the data.
 */
import type { FamilyRef } from '../../model/ioc.js';
import type { FamilyProfile, Knowledge } from '../../knowledge/load.js';
import type { PackIoc, PackStats } from '../../pack/pack.js';
import { oneLine } from './md.js';

function listPhrase(parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : 'an unknown date';
}

/** Plain-text summary (the README escapes it). */
export function summarizeFamily(k: Knowledge, family: FamilyRef, profile: FamilyProfile | undefined, stats: PackStats, iocs: readonly PackIoc[]): string {
  const sentences: string[] = [];
  if (profile) {
    sentences.push(oneLine(profile.summary));
  } else if (family.id === 'unknown' || family.id.startsWith('unknown_')) {
    sentences.push(`These IOCs were reported to the feed without a malware family ("${family.name}"), so they share no campaign context; judge each by its own threat type and reference.`);
  } else {
    sentences.push(`huntpack has no profile of ${family.name} (${family.id}) yet, so this summary describes only what the feed reports.`);
  }
  const types = Object.entries(stats.byType).map(([t, n]) => `${n} ${n === 1 ? k.iocTypes[t]!.label : k.iocTypes[t]!.plural}`);
  const threat = Object.entries(stats.byThreatType).map(([t, n]) => {
    const label = k.threatTypes.find((x) => x.threatType === t)?.label.toLowerCase() ?? t;
    return `${label} (${n})`;
  });
  const span = stats.firstSeen && stats.lastSeen && day(stats.firstSeen) !== day(stats.lastSeen)
    ? `between ${day(stats.firstSeen)} and ${day(stats.lastSeen)}`
    : `on ${day(stats.firstSeen)}`;
  if (stats.total > 0) sentences.push(`This pack hunts ${stats.total} IOC${stats.total === 1 ? '' : 's'} seen ${span}: ${listPhrase(types)}.`);
  else sentences.push('No IOC of this family is left to hunt.');
  if (threat.length) sentences.push(`By threat type: ${listPhrase(threat)}.`);
  if (stats.confidence) {
    sentences.push(
      stats.confidence.min === stats.confidence.max
        ? `Every IOC has feed confidence ${stats.confidence.min}.`
        : `Feed confidence ranges from ${stats.confidence.min} to ${stats.confidence.max} (median ${stats.confidence.median}).`,
    );
  }
  const main = Object.keys(stats.byThreatType)[0];
  const advice = k.threatTypes.find((x) => x.threatType === main) ?? k.threatTypes.find((x) => x.threatType === 'default');
  if (advice && main !== 'unspecified') sentences.push(advice.huntAdvice);
  if (stats.dropped > 0) {
    sentences.push(`${stats.dropped} further IOC${stats.dropped === 1 ? ' is' : 's are'} not hunted (reserved or benign values, allowlisted, expired or compromised sites); the pack lists each with its reason.`);
  }
  if (stats.flagged > 0) {
    const codes = [...new Set(iocs.flatMap((i) => i.flags))];
    sentences.push(`${stats.flagged} IOC${stats.flagged === 1 ? ' is' : 's are'} flagged (${codes.join(', ')}); see the flags below before acting on a hit.`);
  }
  return sentences.join(' ');
}
