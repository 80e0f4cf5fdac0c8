import { describe, expect, it } from 'vitest';
import type { FamilyRef, Ioc } from '../../src/model/ioc.js';
import { groupByFamily } from '../../src/normalize/group.js';

function ioc(patch: Partial<Ioc>): Ioc {
  return {
    type: 'domain',
    value: 'a.example',
    threatType: null,
    firstSeen: '2026-04-20T00:00:00Z',
    lastSeen: null,
    confidence: null,
    tags: [],
    sourceIds: [],
    references: [],
    reporters: [],
    isCompromised: false,
    flags: [],
    ...patch,
  };
}

const CS: FamilyRef = { id: 'win.cobalt_strike', name: 'Cobalt Strike', aliases: ['BEACON', 'CobaltStrike'] };
const KT: FamilyRef = { id: 'js.kongtuke', name: 'KongTuke', aliases: [] };

describe('groupByFamily', () => {
  it('merges duplicates by (type, value, port) with the documented rules', () => {
    const records = [
      {
        family: CS,
        ioc: ioc({
          type: 'ipv4', value: '81.2.69.142', port: 443, threatType: null, firstSeen: '2026-04-22T08:00:00Z', confidence: 75,
          tags: ['CobaltStrike'], sourceIds: ['900006'], references: ['https://example.org/cs-1'], reporters: ['abuse_ch'],
        }),
      },
      {
        family: { id: 'win.cobalt_strike', name: 'CS later name', aliases: ['beacon', 'Cobalt Strike Beacon'] },
        ioc: ioc({
          type: 'ipv4', value: '81.2.69.142', port: 443, threatType: 'botnet_cc', firstSeen: '2026-04-20T08:00:00Z',
          lastSeen: '2026-04-23T00:00:00Z', confidence: 100, tags: ['cobaltstrike', 'cs-watermark-1'], sourceIds: ['900007'],
          reporters: ['drb_ra'], isCompromised: true,
        }),
      },
      {
        family: CS,
        ioc: ioc({
          type: 'ipv4', value: '81.2.69.142', port: 443, threatType: 'payload_delivery', firstSeen: '2026-04-21T08:00:00Z',
          lastSeen: '2026-04-22T00:00:00Z', confidence: null, sourceIds: ['900006'], reporters: ['abuse_ch'],
          flags: [{ code: 'x', reason: 'r', source: 's' }],
        }),
      },
      // Same address, other port: a different IOC.
      { family: CS, ioc: ioc({ type: 'ipv4', value: '81.2.69.142', port: 80, firstSeen: '2026-04-19T00:00:00Z' }) },
    ];
    expect(groupByFamily(records)).toStrictEqual([
      {
        family: { id: 'win.cobalt_strike', name: 'Cobalt Strike', aliases: ['BEACON', 'Cobalt Strike Beacon', 'CobaltStrike'] },
        iocs: [
          ioc({ type: 'ipv4', value: '81.2.69.142', port: 80, firstSeen: '2026-04-19T00:00:00Z' }),
          {
            type: 'ipv4',
            value: '81.2.69.142',
            port: 443,
            threatType: 'botnet_cc',
            firstSeen: '2026-04-20T08:00:00Z',
            lastSeen: '2026-04-23T00:00:00Z',
            confidence: 100,
            tags: ['CobaltStrike', 'cs-watermark-1'],
            sourceIds: ['900006', '900007'],
            references: ['https://example.org/cs-1'],
            reporters: ['abuse_ch', 'drb_ra'],
            isCompromised: true,
            flags: [{ code: 'x', reason: 'r', source: 's' }],
          },
        ],
      },
    ]);
  });

  it('keeps lastSeen and confidence null only when every duplicate has none', () => {
    const [group] = groupByFamily([
      { family: KT, ioc: ioc({ sourceIds: ['1'] }) },
      { family: KT, ioc: ioc({ sourceIds: ['2'] }) },
    ]);
    expect(group?.iocs).toStrictEqual([ioc({ sourceIds: ['1', '2'] })]);
  });

  it('sorts families by id and IOCs by type order, value, then port', () => {
    const records = [
      { family: CS, ioc: ioc({ type: 'sha256', value: 'b'.repeat(64) }) },
      { family: CS, ioc: ioc({ type: 'ipv4', value: '9.9.9.9', port: 8080 }) },
      { family: CS, ioc: ioc({ type: 'ipv4', value: '10.0.0.1', port: 443 }) },
      { family: CS, ioc: ioc({ type: 'ipv4', value: '9.9.9.9', port: 443 }) },
      { family: KT, ioc: ioc({ type: 'url', value: 'https://b.example/' }) },
      { family: KT, ioc: ioc({ type: 'domain', value: 'z.example' }) },
      { family: KT, ioc: ioc({ type: 'domain', value: 'B.example' }) },
      { family: { id: 'Zeta', name: 'Zeta', aliases: [] }, ioc: ioc({ type: 'email', value: 'a@b.example' }) },
    ];
    const summary = groupByFamily(records).map((g) => [g.family.id, g.iocs.map((i) => `${i.type} ${i.value}${i.port === undefined ? '' : `:${i.port}`}`)]);
    expect(summary).toStrictEqual([
      ['Zeta', ['email a@b.example']],
      ['js.kongtuke', ['domain B.example', 'domain z.example', 'url https://b.example/']],
      ['win.cobalt_strike', ['ipv4 10.0.0.1:443', 'ipv4 9.9.9.9:443', 'ipv4 9.9.9.9:8080', `sha256 ${'b'.repeat(64)}`]],
    ]);
  });

  it('is deterministic under input permutation (except first-seen names and spellings)', () => {
    const records = [
      { family: CS, ioc: ioc({ value: 'x.example', sourceIds: ['3'], confidence: 10, tags: ['b'] }) },
      { family: CS, ioc: ioc({ value: 'x.example', sourceIds: ['1'], confidence: 90, tags: ['a'] }) },
      { family: KT, ioc: ioc({ value: 'y.example', sourceIds: ['2'] }) },
    ];
    expect(groupByFamily([...records].reverse())).toStrictEqual(groupByFamily(records));
    expect(groupByFamily([])).toStrictEqual([]);
  });
});
