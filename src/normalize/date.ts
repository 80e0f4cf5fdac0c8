/**
 * Timestamps. ThreatFox uses three spellings of UTC: `2026-04-24 10:12:31 UTC` (API), `2026-04-24 10:12:31`
 * (exports, zone-less but UTC) and ISO `2022-08-05T19:43:08Z` (commercial API). The raw text never goes to
 * `new Date()`, which would read the zone-less form as local time.
 */
import { fail, ok, type Result } from './text.js';

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d{1,9})?)?(?: ?(?:UTC|utc|Z|z|GMT|([+-])(\d{2}):?(\d{2})))?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * Parse a ThreatFox timestamp into ISO-8601 UTC with second precision (`2026-04-24T10:12:31Z`). A date alone is midnight
 * UTC and missing seconds are :00 (other feeds write them so). Fractional seconds are
 * dropped; an explicit offset (`+02:00`) is applied. Out-of-range fields (month 13, 31 April, hour 24) are errors.
 */
export function normalizeTimestamp(input: string): Result<string> {
  const text = input.trim();
  const m = TIMESTAMP.exec(text);
  if (m === null) return fail(`invalid timestamp "${text}"`);
  // A date without a time (`2026-05-01`) means midnight UTC; missing seconds mean :00.
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [
    number, number, number, number, number, number,
  ];
  // Years before the Unix epoch cannot be ThreatFox data (2021+) and Date.UTC maps years 0..99 to 1900..1999.
  if (year < 1970) return fail(`timestamp out of range "${text}"`);
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    return fail(`timestamp out of range "${text}"`);
  }
  if (m[7] === undefined) return ok(`${m[1]}-${m[2]}-${m[3]}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}Z`);
  const offsetHours = Number(m[8]);
  const offsetMinutes = Number(m[9]);
  if (offsetHours > 23 || offsetMinutes > 59) return fail(`invalid UTC offset in timestamp "${text}"`);
  const sign = m[7] === '-' ? -1 : 1;
  const epoch = Date.UTC(year, month - 1, day, hour, minute, second) - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  const utc = new Date(epoch);
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 0 || utcYear > 9999) return fail(`timestamp out of range "${text}"`);
  return ok(
    `${pad(utcYear, 4)}-${pad(utc.getUTCMonth() + 1, 2)}-${pad(utc.getUTCDate(), 2)}T` +
      `${pad(utc.getUTCHours(), 2)}:${pad(utc.getUTCMinutes(), 2)}:${pad(utc.getUTCSeconds(), 2)}Z`,
  );
}
