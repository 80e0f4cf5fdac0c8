/**
 * Real ThreatFox samples from /work/shared (never copied into the repo). Skipped when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseFeed, readFeed, type ParsedFeed } from '../../src/ingest/index.js';
import { FeedError } from '../../src/model/issue.js';
import { groupByFamily } from '../../src/normalize/group.js';

const ROOT = '/work/shared/samples/threatfox';
const present = existsSync(`${ROOT}/api`) && existsSync(`${ROOT}/csv`);
const files = present ? ['api', 'csv'].flatMap((dir) => readdirSync(`${ROOT}/${dir}`).map((name) => `${dir}/${name}`)) : [];

async function outcome(path: string): Promise<ParsedFeed | FeedError> {
  try {
    return await readFeed(`${ROOT}/${path}`, path);
  } catch (error) {
    if (error instanceof FeedError) return error;
    throw error;
  }
}

async function feed(path: string): Promise<ParsedFeed> {
  const result = await outcome(path);
  if (result instanceof FeedError) throw new Error(`unexpected FeedError ${result.message}`);
  return result;
}

describe.skipIf(!present)('shared ThreatFox samples', () => {
  it('every sample yields records or a one-line FeedError, never a crash', async () => {
    expect(files.length).toBeGreaterThan(0);
    for (const path of files) {
      const result = await outcome(path);
      if (result instanceof FeedError) {
        expect(result.message).not.toMatch(/[\r\n]/);
      } else {
        expect(result.recordsRead).toBe(result.records.length + result.rejected.length);
        expect(result.recordsRead).toBeGreaterThan(0);
      }
    }
  });

  it('the non-JSON mock config is read as free text, and its embedded get_iocs body rejects the non-hex sha1', async () => {
    // Any text is a feed now (free-text extraction): the YAML mock yields the IOCs it mentions, all unattributed.
    const config = await feed('api/elastic_mock_api_config-threatfox.yml');
    expect(config.format).toBe('text');
    expect(config.records.map((r) => `${r.ioc.type} ${r.ioc.value}`)).toContain('domain wizzy.hopto.org');
    expect(new Set(config.records.map((r) => r.family.id))).toStrictEqual(new Set(['unknown']));
    const mock = parseYaml(readFileSync(`${ROOT}/api/elastic_mock_api_config-threatfox.yml`, 'utf8')) as {
      rules: Array<{ responses: Array<{ body: string }> }>;
    };
    const body = mock.rules[0]?.responses[0]?.body ?? '';
    const parsed = parseFeed(new TextEncoder().encode(body), 'mock-body.json');
    expect(parsed.rejected).toStrictEqual([
      {
        location: { file: 'mock-body.json', recordId: '839587', pointer: '/data/2' },
        value: 'a3b5c6d7e8f9g0h1i2j3k4l5m6n7o8p9q0r1s2t3',
        reason: 'invalid sha1 hash (not hex) "a3b5c6d7e8f9g0h1i2j3k4l5m6n7o8p9q0r1s2t3"',
      },
    ]);
    expect(parsed.records.map((r) => [r.ioc.type, r.ioc.value, r.ioc.references])).toStrictEqual([
      ['domain', 'wizzy.hopto.org', ['https://tria.ge/220805-w57pxsgae2']],
      ['sha1', '872ff530d50579ae6bdc7cb4d658324b1d0e7a3e', []],
    ]);
  });

  it('splits the unbracketed IPv6 ip:port at the last colon', async () => {
    const single = await feed('api/elastic_ipv6_ip_port_single.ndjson');
    expect(single.records.map((r) => [r.ioc.type, r.ioc.value, r.ioc.port, r.ioc.sourceIds])).toStrictEqual([['ipv6', '2a02:cf40:1::5', 40669, ['841508']]]);
  });

  it('the full-dump CSV excerpt: [...more records...] is rejected, the trailer mismatch is a warning', async () => {
    const path = 'csv/feeds2stix_full_dump_header_excerpt_2024-07-16.txt';
    const csv = await feed(path);
    expect([csv.format, csv.records.length]).toStrictEqual(['threatfox-csv', 5]);
    expect(csv.rejected).toStrictEqual([{ location: { file: path, line: 15 }, value: '[...more records...]', reason: 'expected 14 CSV fields, found 1' }]);
    expect(csv.warnings).toStrictEqual([{ location: { file: path, line: 16 }, message: 'trailer says 1217668 entries but the file holds 6 rows' }]);
    expect(csv.records[1]?.ioc).toStrictEqual({
      type: 'ipv4',
      value: '8.134.12.90',
      port: 7777,
      threatType: 'botnet_cc',
      firstSeen: '2024-07-16T05:25:36Z',
      lastSeen: null,
      confidence: 100,
      tags: ['CobaltStrike', 'cs-watermark-987654321'],
      sourceIds: ['1301610'],
      references: [],
      reporters: ['abuse_ch'],
      isCompromised: false,
      flags: [],
    });
  });

  it('commercial-API records: ISO dates, numeric id, "true" is_compromised', async () => {
    const commercial = await feed('api/elastic_commercial_fields.ndjson');
    expect(commercial.records.map((r) => [r.location, r.ioc.firstSeen, r.ioc.isCompromised])).toStrictEqual([
      [{ file: 'api/elastic_commercial_fields.ndjson', line: 1, recordId: '841537' }, '2022-08-05T19:43:08Z', false],
      [{ file: 'api/elastic_commercial_fields.ndjson', line: 2, recordId: '841538' }, '2022-08-05T11:40:15Z', true],
    ]);
  });

  it('API responses: tags null, detail object without envelope, submit_ioc refused', async () => {
    const tagsNull = await feed('api/seanmcfeely_query_response_tags_null.json');
    expect(tagsNull.records.map((r) => r.ioc.tags)).toStrictEqual([['Cobalt Strike', 'CobaltStrike'], []]);
    const detail = await feed('api/rollwagen_query_ioc_id_1092411.json');
    expect([detail.format, detail.records[0]?.family, detail.records[0]?.ioc.tags]).toStrictEqual([
      'threatfox-api', { id: 'unknown', name: 'Unknown malware', aliases: [] }, ['APT', 'gamaredon'],
    ]);
    const submit = await outcome('api/seanmcfeely_submit_ioc_response.json');
    expect(submit).toBeInstanceOf(FeedError);
  });

  it('the 16 real get_iocs lines parse cleanly and duplicate endpoints merge per family', async () => {
    const lines = await feed('api/elastic_threatfox-ndjson_first16lines.ndjson');
    expect([lines.records.length, lines.rejected]).toStrictEqual([16, []]);
    const cobalt = groupByFamily(lines.records).find((g) => g.family.id === 'win.cobalt_strike');
    expect(cobalt?.iocs.map((i) => [i.type, i.value, i.port ?? null, i.sourceIds])).toStrictEqual([
      ['url', 'http://104.21.75.114/cx', null, ['841497']],
      ['url', 'http://172.67.222.204/ca', null, ['841496']],
      ['url', 'http://72.11.148.153/jquery-3.3.1.min.js', null, ['841499']],
      ['url', 'https://62.182.86.225/jquery-3.3.1.min.js', null, ['841494']],
      ['ipv4', '81.2.69.142', 80, ['841498', '841500']],
      ['ipv4', '81.2.69.142', 443, ['841493', '841495']],
    ]);
    const merged443 = cobalt?.iocs.find((i) => i.port === 443);
    expect([merged443?.firstSeen, merged443?.tags]).toStrictEqual(['2022-08-05T10:24:40Z', ['CobaltStrike', 'SERVER4-AS']]);
  });
});
