/**
 * MISP event JSON: events, restSearch responses, to_ids, types, galaxies and tags.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/ingest/index.js';
import { utf8 } from './fixtures.js';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../fixtures/misp/${name}`, import.meta.url));
const line = (r: { family: { id: string }; ioc: { type: string; value: string; port?: number } }): string =>
  `${r.family.id} ${r.ioc.type} ${r.ioc.value}${r.ioc.port === undefined ? '' : `:${r.ioc.port}`}`;

describe('MISP', () => {
  it('an event: attributes and object attributes, galaxy family, to_ids, skipped types', () => {
    const feed = parseFeed(fixture('event.json'), 'event.json');
    expect(feed.format).toBe('misp');
    expect(feed.records.map(line)).toStrictEqual([
      'win.emotet ipv4 198.51.100.20:8080',
      'win.emotet domain emotet-drop.example.com',
      'win.emotet url http://emotet-drop.example.com/wp-content/x.doc',
      'win.emotet sha256 d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592',
      'win.emotet email invoice@billing.example.org',
      'qakbot domain qbot.example.net',
      'win.emotet ipv4 203.0.113.50',
      'win.emotet domain emotet-drop.example.com',
      'win.emotet sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
      'win.emotet ipv6 2001:db8::20',
    ]);
    const first = feed.records[0]!;
    expect([first.family, first.ioc.firstSeen, first.ioc.threatType, first.ioc.tags, first.ioc.reporters, first.location]).toStrictEqual([
      { id: 'win.emotet', name: 'Emotet', aliases: ['Geodo', 'Heodo'] },
      '2026-03-04T12:00:00Z',
      'network_activity',
      ['tlp:clear'],
      ['Example CERT'],
      { file: 'event.json', recordId: '1', pointer: '/Event/Attribute/0' },
    ]);
    // Attribute first_seen beats timestamp; no attribute date → the event date.
    expect(feed.records[2]?.ioc.firstSeen).toBe('2026-03-03T09:00:00Z');
    expect(feed.records[3]?.ioc.firstSeen).toBe('2026-03-04T00:00:00Z');
    expect(feed.rejected).toStrictEqual([
      { location: { file: 'event.json', recordId: '10', pointer: '/Event/Attribute/9' }, value: '203.0.113.500', reason: 'invalid IPv4 address "203.0.113.500"' },
    ]);
    expect(feed.warnings.map((w) => w.message)).toStrictEqual([
      '2 MISP attributes with to_ids=false skipped (only attributes marked for detection are hunted)',
      '2 MISP attributes of types huntpack does not hunt skipped: comment (1), filename (1)',
    ]);
  });

  it('a restSearch response: tags name families; else --family; else the event info', () => {
    const feed = parseFeed(fixture('response.json'), 'response.json');
    expect(feed.records.map((r) => [r.family.id, r.family.name, r.ioc.value, r.location.pointer])).toStrictEqual([
      ['misp-event.77', 'Phishing wave against finance', 'login-finance.example.net', '/response/0/Event/Attribute/0'],
      ['agenttesla', 'AgentTesla', 'https://agent.example.org/gate.php', '/response/1/Event/Attribute/0'],
    ]);
    expect(feed.rejected.map((r) => [r.location.recordId, r.reason])).toStrictEqual([['771', 'invalid sha256 hash (not hex) "not-a-hash"']]);
    const named = parseFeed(fixture('response.json'), 'response.json', { family: 'FinPhish' });
    expect(named.records.map((r) => r.family.id)).toStrictEqual(['finphish', 'agenttesla']);
  });

  it('ip-src|port keeps the IP only; domain|ip yields both; malware-sample is an md5; mitre-malware suffixes are dropped', () => {
    const event = {
      Event: {
        info: 'x',
        date: '2026-01-02',
        Galaxy: [{ type: 'mitre-malware', GalaxyCluster: [{ value: 'Emotet - S0367', meta: { synonyms: ['Geodo'] } }] }],
        Attribute: [
          { id: 1, type: 'ip-src|port', value: '198.51.100.1|51515' },
          { id: 2, type: 'domain|ip', value: 'evil.example.com|198.51.100.2' },
          { id: 3, type: 'malware-sample', value: 'x.exe|9e107d9d372bb6826bd81d3542a419d6' },
          { id: 4, type: 'ip-dst|port', value: '2001:db8::5|443' },
          { id: 5, type: 'ip-dst|port', value: '198.51.100.3' },
        ],
      },
    };
    const feed = parseFeed(utf8(JSON.stringify(event)), 'e.json');
    expect(feed.records.map(line)).toStrictEqual([
      'emotet ipv4 198.51.100.1',
      'emotet domain evil.example.com',
      'emotet ipv4 198.51.100.2',
      'emotet md5 9e107d9d372bb6826bd81d3542a419d6',
      'emotet ipv6 2001:db8::5:443',
    ]);
    expect(feed.records[0]?.family).toStrictEqual({ id: 'emotet', name: 'Emotet', aliases: ['Geodo'] });
    expect(feed.rejected.map((r) => [r.location.recordId, r.reason])).toStrictEqual([['5', 'MISP ip-dst|port value is not "a|b"']]);
  });

  it('attribute restSearch and a bare array of events are MISP too', () => {
    const attrs = { response: { Attribute: [{ id: '9', type: 'domain', value: 'a.example.com', timestamp: 1772611200, Event: { info: 'E', id: '3' } }] } };
    const a = parseFeed(utf8(JSON.stringify(attrs)), 'a.json');
    expect([a.format, a.records.map((r) => [r.family.id, r.ioc.value, r.ioc.firstSeen, r.location.pointer])]).toStrictEqual([
      'misp',
      [['misp-event.3', 'a.example.com', '2026-03-04T08:00:00Z', '/response/Attribute/0']],
    ]);
    const arr = parseFeed(utf8(JSON.stringify([{ Event: { info: 'E', date: '2026-01-01', Attribute: [{ type: 'url', value: 'http://a.example.com/' }] } }])), 'arr.json');
    expect([arr.format, arr.records.map((r) => r.location.pointer)]).toStrictEqual(['misp', ['/0/Event/Attribute/0']]);
  });

  it('an event without attributes is a feed with no records', () => {
    const feed = parseFeed(utf8('{"Event": {"info": "empty", "Attribute": []}}'), 'e.json');
    expect([feed.format, feed.recordsRead, feed.warnings.map((w) => w.message)]).toStrictEqual(['misp', 0, ['the feed holds no IOC records']]);
  });
});
