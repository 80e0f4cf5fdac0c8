/**
 * CSV cells are text; the hunts read typed rows. Each cell is converted by its column's catalogue type, as Log
 * Analytics would have typed it: int/long/real → number, datetime → ISO-8601 UTC, bool → boolean, empty → null
 * (strings stay strings, empty included). A value that does not parse as its type is kept as text.
 */
import { rowTime } from '../hunt/evaluate.js';
import type { ColumnType } from './tables.js';

const PORTAL_US = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*([AaPp][Mm])?$/;

/**
 * Milliseconds since the epoch of a datetime as exports write it: ISO-8601 (`2026-05-02T09:30:00.1234567Z`, with an
 * offset or none), the portal's `2026-05-02 09:30:00[.000]`, or its US form `5/2/2026, 9:30:00.000 AM`. Times without a
 * zone are UTC (the portals export UTC). Undefined when unparseable.
 */
export function parseDateTime(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  const iso = rowTime(s);
  if (iso !== undefined) return Number.isNaN(iso) ? undefined : iso;
  const m = PORTAL_US.exec(s);
  if (!m) return undefined;
  const [, mo, d, y, h, mi, sec, frac, ampm] = m;
  let hour = Number(h);
  if (ampm) {
    if (hour < 1 || hour > 12) return undefined;
    const pm = ampm.toLowerCase() === 'pm';
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  const month = Number(mo), day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || Number(mi) > 59 || Number(sec ?? 0) > 60) return undefined;
  return Date.UTC(Number(y), month - 1, day, hour, Number(mi), sec ? Number(sec) : 0, frac ? Math.round(Number(frac) * 1000) : 0);
}

/** ISO-8601 text of a time in ms (`2026-05-02T09:30:00.000Z`). */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

const INT = /^\s*[-+]?\d+\s*$/;

/** Convert one CSV cell by its column type (undefined type: not in the catalogue, kept as text). */
export function coerceCell(text: string, type: ColumnType | undefined): unknown {
  switch (type) {
    case undefined:
    case 'string':
    case 'guid':
    case 'dynamic':
      return text;
    case 'int':
    case 'long':
      if (text === '') return null;
      return INT.test(text) ? Number(text) : text;
    case 'real': {
      if (text.trim() === '') return null;
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (t === '') return null;
      return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : text;
    }
    case 'datetime': {
      if (text.trim() === '') return null;
      const ms = parseDateTime(text);
      return ms === undefined ? text : isoOf(ms);
    }
  }
}
