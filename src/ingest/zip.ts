/**
 * ZIP handling for the full export (`full.csv` inside a ZIP). Only the chosen entry is inflated.
 */
import { unzipSync } from 'fflate';
import { FeedError } from '../model/issue.js';
import { oneLine } from '../normalize/text.js';

/** True when the bytes start with a ZIP local-file header (`PK\x03\x04`) or an empty-archive end record (`PK\x05\x06`). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[2] === 0x05 && bytes[3] === 0x06));
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).toLowerCase();
}

/**
 * Pick the feed entry: `full.csv` (anywhere in the archive), else the first `.csv` or `.json` entry in archive order.
 * Directories and macOS metadata (`__MACOSX/`, `._name`) are never candidates.
 */
export function chooseEntry(names: readonly string[]): string | undefined {
  const files = names.filter((name) => !name.endsWith('/') && !name.startsWith('__MACOSX/') && !baseName(name).startsWith('._'));
  return files.find((name) => baseName(name) === 'full.csv') ?? files.find((name) => /\.(?:csv|json)$/.test(baseName(name)));
}

/** The archive's entry names and the content of the chosen feed entry; FeedError if unreadable or no feed entry. */
export function extractFeedEntry(bytes: Uint8Array, file: string): { name: string; names: string[]; content: Uint8Array } {
  const names: string[] = [];
  try {
    // First pass lists entries without inflating anything.
    unzipSync(bytes, {
      filter: (entry) => {
        names.push(entry.name);
        return false;
      },
    });
  } catch (error) {
    throw new FeedError(file, `corrupt or unsupported ZIP archive: ${oneLine(String((error as Error).message ?? error), 120)}`);
  }
  const name = chooseEntry(names);
  if (name === undefined) {
    const listed = names.length === 0 ? 'it is empty' : `entries: ${oneLine(names.slice(0, 5).join(', '), 160)}`;
    throw new FeedError(file, `not a ThreatFox feed: ZIP archive holds no .csv or .json file (${listed})`);
  }
  let content: Uint8Array | undefined;
  try {
    content = unzipSync(bytes, { filter: (entry) => entry.name === name })[name];
  } catch (error) {
    throw new FeedError(file, `corrupt or unsupported ZIP entry "${oneLine(name, 80)}": ${oneLine(String((error as Error).message ?? error), 120)}`);
  }
  if (content === undefined) throw new FeedError(file, `cannot extract ZIP entry "${oneLine(name, 80)}"`);
  return { name, names, content };
}
