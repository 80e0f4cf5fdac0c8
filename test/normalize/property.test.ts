import { describe, expect, it } from 'vitest';
import { normalizeTimestamp } from '../../src/normalize/date.js';
import { normalizeDomain } from '../../src/normalize/domain.js';
import { normalizeEmail } from '../../src/normalize/email.js';
import { normalizeHash } from '../../src/normalize/hash.js';
import { formatIpPort, normalizeIp, parseIpPort, type IpEndpoint } from '../../src/normalize/ip.js';
import type { Result } from '../../src/normalize/text.js';
import { normalizeUrl } from '../../src/normalize/url.js';
import { createRng, type Rng } from './prng.js';

const RUNS = 2000;
const LABEL_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
const ODD_CHARS = 'äöüßéЖж中文. !*/\\:@[]%';
const PATH_CHARS = `abcXYZ019-._~!$&'()*+,;=:@/?#%"\\[]{}|^\`<>äö中`;

function label(rng: Rng): string {
  return rng.chance(0.1) ? rng.string(ODD_CHARS + LABEL_CHARS, rng.int(1, 6)) : rng.string(LABEL_CHARS, rng.int(1, 12));
}

function domainLike(rng: Rng): string {
  const labels = Array.from({ length: rng.int(1, 4) }, () => label(rng));
  labels.push(rng.pick(['com', 'ORG', 'lol', 'top', 'example', 'xn--p1ai', 'рф', 'de', '123', 'c-m']));
  return labels.join('.') + (rng.chance(0.2) ? '.' : '');
}

function ipv4Like(rng: Rng): string {
  return Array.from({ length: 4 }, () => String(rng.chance(0.05) ? rng.int(256, 999) : rng.int(0, 255))).join('.');
}

function ipv6Like(rng: Rng): string {
  const groups = Array.from({ length: 8 }, () => (rng.chance(0.4) ? '0' : rng.int(0, 0xffff).toString(16)));
  const text = groups.join(':');
  const cased = rng.chance(0.5) ? text.toUpperCase() : text;
  if (rng.chance(0.3)) return cased.replace(/(^|:)0(:0)+(:|$)/, '::');
  if (rng.chance(0.1)) return `::ffff:${ipv4Like(rng)}`;
  return cased;
}

function urlLike(rng: Rng): string {
  const scheme = rng.pick(['http', 'HTTPS', 'Http', 'ftp', 'hxxp']);
  const host = rng.pick([() => domainLike(rng), () => ipv4Like(rng), () => `[${ipv6Like(rng)}]`])();
  const userinfo = rng.chance(0.1) ? `${rng.string('abcAB:%', rng.int(0, 5))}@` : '';
  const port = rng.chance(0.2) ? `:${rng.int(0, 70000)}` : '';
  const rest = rng.chance(0.8) ? rng.pick(['/', '?', '#', '\\']) + rng.string(PATH_CHARS, rng.int(0, 30)) : '';
  return `${scheme}://${userinfo}${host}${port}${rest}`;
}

/** Check normalise(normalise(x)) == normalise(x) over generated inputs; also that enough inputs were accepted. */
function checkIdempotent(generate: (rng: Rng) => string, normalize: (text: string) => Result<string>, seed: number): number {
  const rng = createRng(seed);
  let accepted = 0;
  for (let i = 0; i < RUNS; i++) {
    const input = generate(rng);
    const once = normalize(input);
    if (!once.ok) continue;
    accepted++;
    const twice = normalize(once.value);
    if (!twice.ok || twice.value !== once.value) {
      throw new Error(`not idempotent for ${JSON.stringify(input)}: ${JSON.stringify(once)} then ${JSON.stringify(twice)}`);
    }
  }
  return accepted;
}

describe('normalisation is idempotent (seeded)', () => {
  it('domains', () => {
    expect(checkIdempotent(domainLike, normalizeDomain, 1)).toBeGreaterThan(RUNS / 4);
  });

  it('URLs', () => {
    expect(checkIdempotent(urlLike, normalizeUrl, 2)).toBeGreaterThan(RUNS / 4);
  });

  it('IP addresses (v4 and v6)', () => {
    const asText = (text: string): Result<string> => {
      const ip = normalizeIp(text);
      return ip.ok ? { ok: true, value: ip.value.value } : ip;
    };
    expect(checkIdempotent(ipv4Like, asText, 3)).toBeGreaterThan(RUNS / 2);
    expect(checkIdempotent(ipv6Like, asText, 4)).toBeGreaterThan(RUNS / 2);
  });

  it('hashes', () => {
    const hex = (rng: Rng): string => rng.string('0123456789abcdefABCDEFg', rng.pick([32, 40, 64, 96, 31]));
    const anyHash = (text: string): Result<string> => {
      const type = ({ 32: 'md5', 40: 'sha1', 64: 'sha256', 96: 'sha3-384' } as const)[text.length as 32 | 40 | 64 | 96];
      return type === undefined ? { ok: false, reason: 'length' } : normalizeHash(type, text);
    };
    expect(checkIdempotent(hex, anyHash, 5)).toBeGreaterThan(RUNS / 10);
  });

  it('emails and timestamps', () => {
    const email = (rng: Rng): string => `${rng.string("abcXYZ09.+_'-", rng.int(1, 10))}@${domainLike(rng)}`;
    expect(checkIdempotent(email, normalizeEmail, 6)).toBeGreaterThan(RUNS / 10);
    const stamp = (rng: Rng): string =>
      `${rng.int(1960, 2100)}-${String(rng.int(0, 13)).padStart(2, '0')}-${String(rng.int(0, 32)).padStart(2, '0')}` +
      `${rng.pick([' ', 'T'])}${String(rng.int(0, 24)).padStart(2, '0')}:${String(rng.int(0, 60)).padStart(2, '0')}:` +
      `${String(rng.int(0, 60)).padStart(2, '0')}${rng.pick(['', ' UTC', 'Z', '+02:00', '.5Z', '-11:30'])}`;
    expect(checkIdempotent(stamp, normalizeTimestamp, 7)).toBeGreaterThan(RUNS / 4);
  });
});

describe('ip:port split/join round-trips (seeded)', () => {
  it('for IPv4 and IPv6, ThreatFox style and bracketed', () => {
    const rng = createRng(8);
    let checked = 0;
    for (let i = 0; i < RUNS; i++) {
      const ip = normalizeIp(rng.chance(0.5) ? ipv4Like(rng) : ipv6Like(rng));
      if (!ip.ok) continue;
      const endpoint: IpEndpoint = { ...ip.value, port: rng.int(1, 65535) };
      expect(parseIpPort(formatIpPort(endpoint))).toStrictEqual({ ok: true, value: endpoint });
      expect(parseIpPort(formatIpPort(endpoint, true))).toStrictEqual({ ok: true, value: endpoint });
      checked++;
    }
    expect(checked).toBeGreaterThan(RUNS / 2);
  });
});

describe('validators never throw on garbage (seeded)', () => {
  it('returns a Result for random strings', () => {
    const rng = createRng(9);
    const alphabet = `${LABEL_CHARS}${ODD_CHARS}${PATH_CHARS}\u0000\n\r\t\ud800\u{1F600}`;
    const validators: Array<(text: string) => unknown> = [
      normalizeDomain, normalizeUrl, normalizeIp, parseIpPort, normalizeEmail, normalizeTimestamp, (t) => normalizeHash('sha256', t),
    ];
    const thrown: string[] = [];
    let rejected = 0;
    for (let i = 0; i < RUNS; i++) {
      const input = rng.string(alphabet, rng.int(0, 40));
      for (const validate of validators) {
        try {
          if (!(validate(input) as { ok: boolean }).ok) rejected++;
        } catch (error) {
          thrown.push(`${JSON.stringify(input)}: ${String(error)}`);
        }
      }
    }
    expect(thrown).toStrictEqual([]);
    // Garbage must overwhelmingly be refused, not "repaired" into a value.
    expect(rejected).toBeGreaterThan(RUNS * validators.length * 0.9);
  });
});
