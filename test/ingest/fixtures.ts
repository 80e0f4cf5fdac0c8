/** Test helpers: read huntpack's own ThreatFox fixtures. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/threatfox/', import.meta.url));

export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(`${FIXTURES}${name}`);
}

export function fixtureText(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8');
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
